// unclip-png: image files into an `image` frame, and frames back into PNG files.
import Imaging
import StageKit
import TensorStream

let spec = CommandSpec(
    name: "unclip-png", summary: "convert between image files and `image` frames",
    usage: [
        "[--size N] IMAGE...          (PNG/JPEG files -> one frame on stdout)",
        "-o PATTERN [--grid] [STREAM]   (frames -> PNG files)",
    ],
    options: [
        OptionSpec(
            "output", short: "o", value: "PATTERN", help: "write PNG files; %n = image number, %f = frame, %b = item"),
        OptionSpec("size", value: "N", help: "resize the short side to N (bicubic, antialiased) and centre-crop N x N"),
        OptionSpec("grid", help: "with -o: write all images as one contact sheet"),
        OptionSpec("columns", value: "N", default: "8", help: "columns of the contact sheet"),
        OptionSpec(
            "tensor", short: "t", value: "NAME", default: "image", help: "the image tensor, [B, 3, H, W] in [-1, 1]"),
    ], common: .basic,
    details: """
        Without -o, the IMAGE files become one frame with `image` [B, 3, H, W] float32 in [-1, 1] (alpha dropped,
        grey replicated) and metadata `files`; all images must share a size unless --size is given.
        With -o, each image of each frame becomes a PNG: a pattern without % names the first image, and later
        ones get -1, -2, ... before the extension. Written paths are listed on stderr unless --quiet.
        """)

Stage.run(spec) { stage in
    let args = stage.command
    guard let pattern = args.string("output") else {
        guard !args.operands.isEmpty else { throw UsageError("give IMAGE files to read, or -o PATTERN to write PNGs") }
        let size = try args.int("size", in: 1...Image.maximumSide)
        var frame = try ImageFrames.frame(fromFiles: args.operands, size: size)
        let writer = try stage.openOutput()
        stage.stamp(&frame)
        try writer.write(frame)
        return
    }
    try args.expectOperands(0...1)
    let name = args.string("tensor") ?? "image"
    var reader = try stage.openInput(args.operands.first)
    var sheet: [Image] = []
    var n = 0
    while let frame = try reader.next() {
        let images = try ImageFrames.images(in: frame, tensor: name, frameIndex: reader.framesRead - 1)
        if args.has("grid") {
            sheet += images
            continue
        }
        for (item, image) in images.enumerated() {
            let path = ImageFrames.fileName(pattern: pattern, n: n, frame: reader.framesRead - 1, item: item)
            try writeFile(path, PNG.encode(image))
            stage.note("wrote \(path) (\(image.width)x\(image.height))")
            n += 1
        }
    }
    if args.has("grid") {
        let columns = try args.int("columns", in: 1...1024) ?? 8
        let image = try ImageFrames.contactSheet(sheet, columns: columns)
        try writeFile(pattern, PNG.encode(image))
        stage.note("wrote \(pattern) (\(sheet.count) images, \(image.width)x\(image.height))")
    }
}
