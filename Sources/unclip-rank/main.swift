// unclip-rank: DALL·E 2's reranking — score every image against its prompt with CLIP, keep the best k per prompt.
import CLIP
import Foundation
import StageKit
import TensorStream

let spec = CommandSpec(
    name: "unclip-rank", summary: "keep the images CLIP scores best against their prompt (reranking)",
    usage: ["[--keep K] [--model DIR] [STREAM]"],
    options: [
        OptionSpec("keep", short: "k", value: "K", default: "1", help: "items kept per prompt group"),
        OptionSpec(
            "prompt", short: "p", value: "TEXT",
            help: "score every item against TEXT instead of its own prompt (the frame is one group; needs --model)"),
        OptionSpec(
            "format", value: "FORMAT", default: "frames",
            help: "frames, or tsv: lines FILE<TAB>SCORE of the kept items, best first, instead of frames"),
    ], common: .model,
    details: """
        Reads frames with `image.embed` F32 [B, D] (or `image` [B, 3, H, W], encoded with --model) and the text of
        each item: `text.embed` [B, D], or else the `prompt` metadata, encoded with --model. Scores each image by
        the cosine similarity of its embedding with its own text embedding. Items are grouped per prompt: a group
        is a run of consecutive items with the same prompt (as `unclip-prior --samples-per-prompt` lays them
        out); without `prompt` metadata, a run of identical `text.embed` rows. Writes each frame with only the
        best K items of every group, best first: every tensor sliced along B, the `prompt` and `files` lists too,
        plus `scores` F32 [B'] (the kept items' cosine similarities). With --prompt, images are ranked against
        one query (e.g. files from unclip-png): every item is scored against TEXT and a frame is one group.
        With --format tsv, prints each kept item's file (or prompt) and score (four decimals), tab-separated.
        """)

Stage.run(spec) { stage in
    let args = stage.command
    try args.expectOperands(0...1)
    let keep = try args.int("keep", in: 1...1_000_000) ?? 1
    let folder = args.string("model") ?? stage.arguments.string("model")
    let towers = folder.map(CLIPTowerCache.init)
    let stamp = try folder.map {
        try ModelStamp(name: URL(fileURLWithPath: $0).lastPathComponent, weightsAt: $0 + "/model.safetensors")
    }
    var ranker = FrameRanker(
        keep: keep, encodeImages: towers.map { t in { try t.addImageEmbeddings(to: &$0) } },
        embedTexts: towers.map { t in { try t.embed($0) } })
    ranker.prompt = args.string("prompt")
    if ranker.prompt != nil, towers == nil { throw UsageError("--prompt needs the CLIP model folder (--model DIR)") }
    if try args.choice("format", from: ["frames", "tsv"]) == "tsv" {
        var reader = try stage.openInput(args.operands.first)
        var index = 0
        while let frame = try reader.next() {
            do {
                let ranked = try ranker.rank(frame)
                let scores = try ranked.tensor("scores").floats()
                let names = ClassificationTable.itemNames(ranked, count: scores.count, frameIndex: index)
                writeText(
                    zip(names, scores).map {
                        ClassificationTable.field($0) + "\t" + ClassificationTable.decimal(Double($1)) + "\n"
                    }.joined())
            } catch {
                throw StageError("frame \(index): \(error)")
            }
            index += 1
        }
        return
    }
    try stage.filterFrames(input: args.operands.first, model: stamp) { frame, index in
        do {
            frame = try ranker.rank(frame)
        } catch {
            throw StageError("frame \(index): \(error)")
        }
    }
}
