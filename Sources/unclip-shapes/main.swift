// unclip-shapes: captioned scenes of the synthetic Shapes world, as image frames, PNG files or a contact sheet.
import Foundation
import Imaging
import Shapes
import StageKit
import TensorStream

let spec = CommandSpec(
    name: "unclip-shapes", summary: "generate captioned scenes of the synthetic Shapes world",
    usage: [
        "[options] > STREAM        (image frames on stdout)",
        "--out DIR [options]       (DIR/000000.png ... and DIR/captions.tsv)",
        "--preview FILE [options]  (one contact-sheet PNG; captions on stdout)",
    ],
    options: [
        OptionSpec("count", short: "n", value: "N", default: "16", help: "number of scenes"),
        OptionSpec("seed", value: "S", default: "0", help: "seed of the first scene; scene i has seed S+i"),
        OptionSpec(
            "split", value: "NAME", default: "train",
            help: "train, test (same distribution, other seeds) or heldout (held-out colour-shape pairs)"),
        OptionSpec(
            "size", value: "PX", default: "64", help: "image side in pixels (16...2048; designed for 64...1024)"),
        OptionSpec("batch", short: "b", value: "B", help: "scenes per frame (default: 16; 4 at 512 px, 1 at 1024 px)"),
        OptionSpec("out", short: "o", value: "DIR", help: "write PNG files and captions.tsv to DIR instead of frames"),
        OptionSpec("preview", value: "FILE", help: "write one contact sheet PNG of the scenes and list their captions"),
        OptionSpec("columns", value: "N", default: "4", help: "columns of the contact sheet"),
        OptionSpec("objects", value: "N|LO-HI", default: "1-3", help: "objects per scene, e.g. 1 or 1-3"),
        OptionSpec(
            "backgrounds", value: "LIST", default: "plain,gradient,striped", help: "background styles, comma-separated"),
        OptionSpec(
            "caption-variant", value: "V", default: "0",
            help: "caption phrasing: 0 is each scene's own, others are alternatives for augmentation"),
    ], common: .basic,
    details: """
        Frames carry `image` F32 [B, 3, H, W] in [-1, 1] (the 8-bit render as p/127.5 - 1) and metadata `prompt`
        (JSON array of captions), `seed` (the first scene's seed) and `scenes` (JSON array of attributes: objects
        with colour, shape, size, position and centre; background; seed; split). Every scene is a pure function of
        its seed, split, --objects and --backgrounds. The split and vocabulary are described in
        pipelines/data/SHAPES.md.
        """)

Stage.run(spec) { stage in
    let request = try ShapesRequest(stage.command)
    let dataSet = request.dataSet
    let progress = stage.progress("scenes", total: dataSet.count)
    switch request.destination {
    case .stream(let batch):
        let writer = try stage.openOutput()
        for range in dataSet.batches(of: batch) {
            var frame = try SceneFrames.frame(dataSet, indices: range, size: request.size)
            stage.stamp(&frame, seed: dataSet.seed(at: range.lowerBound))
            try writer.write(frame)
            progress.update(range.upperBound)
        }
    case .folder(let folder):
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw StageError("cannot create folder '\(folder)': \(error.localizedDescription)")
        }
        var lines = [DataSet.captionsHeader]
        for index in 0..<dataSet.count {
            let scene = dataSet.scene(at: index)
            try writeFile(folder + "/" + dataSet.fileName(at: index), try scene.png(size: request.size))
            lines.append(dataSet.captionsLine(at: index, scene: scene))
            progress.update(index + 1)
        }
        try writeFile(folder + "/captions.tsv", Array((lines.joined(separator: "\n") + "\n").utf8))
        stage.note("wrote \(dataSet.count) scenes and captions.tsv to \(folder)")
    case .preview(let file, let columns):
        let rows = (dataSet.count + columns - 1) / columns
        let sheet = dataSet.contactSheet(tileSize: request.size, columns: columns, rows: rows)
        guard sheet.width > 0 else { throw UsageError("--preview needs --count 1 or more") }
        let image = try Image(width: sheet.width, height: sheet.height, channels: 3, pixels: sheet.pixels)
        try writeFile(file, PNG.encode(image))
        var listing = ""
        for index in 0..<dataSet.count {
            let scene = dataSet.scene(at: index)
            listing += "\(index)\t\(scene.seed)\t\(dataSet.caption(for: scene))\n"
        }
        writeText(listing)
        stage.note("wrote \(file) (\(dataSet.count) scenes, \(sheet.width)x\(sheet.height))")
    }
}
