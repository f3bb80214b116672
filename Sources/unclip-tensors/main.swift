// unclip-tensors: look inside tensor streams and re-plumb them.
import StageKit
import TensorStream

let spec = CommandSpec(
    name: "unclip-tensors", summary: "inspect and re-plumb tensor streams", usage: ["COMMAND [options] [STREAM...]"],
    common: .minimal,
    details: "A STREAM is a file of safetensors frames, or '-' / nothing for stdin.",
    subcommands: [
        CommandSpec(
            name: "ls", summary: "list frames: tensors, dtypes, shapes, min/max/mean, metadata",
            usage: ["[STREAM...]"], common: .minimal),
        CommandSpec(
            name: "cat", summary: "concatenate streams (each frame checked) onto stdout", usage: ["[STREAM...]"],
            common: .minimal),
        CommandSpec(
            name: "paste", summary: "merge frame k of every stream into one frame (like paste(1))",
            usage: ["STREAM STREAM..."], common: .minimal,
            details:
                "A tensor name in two streams is an error; for a metadata key in several, the first stream's value wins."
        ),
        CommandSpec(
            name: "head", summary: "copy the first N frames", usage: ["[-n N] [STREAM]"],
            options: [OptionSpec("frames", short: "n", value: "N", default: "1", help: "number of frames")],
            common: .minimal),
        CommandSpec(
            name: "select", summary: "keep only the named tensors (metadata is kept)",
            usage: ["NAME[,NAME...] [STREAM]"],
            common: .minimal),
        CommandSpec(
            name: "drop", summary: "remove the named tensors", usage: ["NAME[,NAME...] [STREAM]"], common: .minimal),
        CommandSpec(
            name: "npy", summary: "write one tensor of one frame as a NumPy .npy file",
            usage: ["NAME -o FILE [STREAM]"],
            options: [
                OptionSpec("output", short: "o", value: "FILE", help: "the .npy file to write"),
                OptionSpec("frame", value: "K", default: "0", help: "which frame (0-based)"),
            ], common: .minimal),
    ])

Stage.run(spec) { stage in
    let args = stage.command
    switch args.command.name {
    case "ls":
        let inputs = args.operands.isEmpty ? ["-"] : args.operands
        var index = 0
        for input in inputs {
            var reader = try stage.openInput(input)
            while let frame = try reader.next() {
                writeText(FrameSummary.describe(frame, index: index))
                index += 1
            }
        }
    case "cat":
        let writer = try stage.openOutput()
        for input in args.operands.isEmpty ? ["-"] : args.operands {
            var reader = try stage.openInput(input)
            while let frame = try reader.next() { try writer.write(frame) }
        }
    case "paste":
        guard args.operands.count >= 2 else { throw UsageError("paste needs at least two streams") }
        guard args.operands.filter({ $0 == "-" }).count <= 1 else { throw UsageError("stdin ('-') can be pasted once") }
        var readers = try args.operands.map { try stage.openInput($0) }
        let writer = try stage.openOutput()
        var index = 0
        while true {
            let frames = try readers.indices.map { try readers[$0].next() }
            let present = frames.compactMap { $0 }
            if present.isEmpty { break }
            if present.count < frames.count, let ended = frames.firstIndex(where: { $0 == nil }) {
                throw StageError(
                    "'\(args.operands[ended])' ended after \(index) frame\(index == 1 ? "" : "s"); the other streams go on"
                )
            }
            try writer.write(try FramePaste.merge(present, sources: args.operands, frameIndex: index))
            index += 1
        }
    case "head":
        try args.expectOperands(0...1)
        let limit = try args.int("frames", in: 0...Int.max) ?? 1
        var reader = try stage.openInput(args.operands.first)
        let writer = try stage.openOutput()
        var count = 0
        // Stop reading as soon as N frames are out, like head(1): upstream sees a closed pipe.
        while count < limit, let frame = try reader.next() {
            try writer.write(frame)
            count += 1
        }
    case "select", "drop":
        try args.expectOperands(1...2)
        let names = Set(args.operands[0].split(separator: ",").map(String.init))
        let keep = args.command.name == "select"
        var reader = try stage.openInput(args.operands.count > 1 ? args.operands[1] : nil)
        let writer = try stage.openOutput()
        while var frame = try reader.next() {
            for name in frame.names where names.contains(name) != keep { frame[name] = nil }
            try writer.write(frame)
        }
    case "npy":
        try args.expectOperands(1...2)
        guard let path = args.string("output") else { throw UsageError("npy needs -o FILE") }
        let wanted = try args.int("frame", in: 0...Int.max) ?? 0
        let name = args.operands[0]
        var reader = try stage.openInput(args.operands.count > 1 ? args.operands[1] : nil)
        var index = 0
        while let frame = try reader.next() {
            if index == wanted {
                guard let tensor = frame[name] else {
                    throw StageError(
                        "frame \(index) has no tensor '\(name)' (it has: \(frame.names.joined(separator: ", ")))")
                }
                try writeFile(path, NumpyArray.encode(tensor))
                return
            }
            index += 1
        }
        throw StageError("the stream has \(index) frame\(index == 1 ? "" : "s"); there is no frame \(wanted)")
    default:
        throw UsageError("unknown command '\(args.command.name)'")
    }
}
