// unclip-check: judge generated pictures of the Shapes world against their prompts by reading the pixels.
import Foundation
import Imaging
import Shapes
import StageKit
import TensorStream

let spec = CommandSpec(
    name: "unclip-check", summary: "score pictures against their prompts with the Shapes pixel checker (not CLIP)",
    usage: ["[--items] [STREAM]"],
    options: [
        OptionSpec("items", help: "also print one line per picture before the summary")
    ], common: .minimal,
    details: """
        Reads frames with `image` [B, 3, H, W] (values in [-1, 1], any size) and the `prompt` metadata list (one per
        item). Each prompt is read in the captions' language (colours, shapes, sizes, positions, relations; other
        words are ignored) and checked on the pixels: for every object asked for, is there a blob of its colour,
        of its shape, at its position; does every claimed relation hold; and apart from those, does the border
        show the background the prompt names (its colour; a gradient's top and bottom colours; both stripe
        colours). Prints tab-separated lines: with --items, `frame item colour shape position relations all
        background prompt` per picture (1/0, - where not asked), then the summary `measure fraction right/total`
        for colour, shape, position, relation (per object or claim), all (per picture: every object and relation
        right) and background (per picture that names one).
        """)

Stage.run(spec) { stage in
    let args = stage.command
    try args.expectOperands(0...1)
    let listItems = args.has("items")
    let checker = SceneChecker()
    var tally = VerdictTally()
    var reader = try stage.openInput(args.operands.first)
    var frameIndex = 0
    var lines: [String] = []
    while let frame = try reader.next() {
        guard let image = frame["image"] else {
            throw StageError(
                "frame \(frameIndex) has no tensor 'image' (it has: \(frame.names.joined(separator: ", ")))")
        }
        let s = image.shape
        guard s.count == 4, s[1] == 3, s[2] > 0, s[3] > 0, !image.dtype.isInteger else {
            throw StageError(
                "frame \(frameIndex), tensor 'image': expected float [B, 3, H, W], got \(image.dtype.rawValue) \(s)")
        }
        guard let prompts = try frame.metadataList("prompt", frame: frameIndex), prompts.count == s[0] else {
            throw StageError("frame \(frameIndex): the 'prompt' metadata must list one prompt per item (\(s[0]))")
        }
        let values = try image.floats()
        let plane = 3 * s[2] * s[3]
        for item in 0..<s[0] {
            let picture = try Image(
                planarFloats: Array(values[(item * plane)..<((item + 1) * plane)]), width: s[3], height: s[2])
            let verdict = checker.check(
                pixels: picture.pixels, width: s[3], height: s[2], prompt: PromptReading(prompts[item]))
            tally.add(verdict)
            if listItems {
                func mark(_ asked: Bool, _ right: Bool) -> String { asked ? (right ? "1" : "0") : "-" }
                let targets = verdict.targets
                let fields = [
                    String(frameIndex), String(item),
                    mark(!targets.isEmpty, targets.allSatisfy(\.colorCorrect)),
                    mark(!targets.isEmpty, targets.allSatisfy { $0.colorCorrect && $0.shapeCorrect }),
                    mark(targets.contains { $0.target.position != nil }, targets.allSatisfy(\.positionCorrect)),
                    mark(!verdict.claims.isEmpty, verdict.claims.allSatisfy { $0 }),
                    mark(!targets.isEmpty, verdict.allCorrect),
                    mark(verdict.background != nil, verdict.background == true), prompts[item],
                ]
                lines.append(fields.joined(separator: "\t"))
            }
        }
        frameIndex += 1
    }
    writeText((lines + tally.report).map { $0 + "\n" }.joined())
}
