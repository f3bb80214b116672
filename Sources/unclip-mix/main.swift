// unclip-mix: interpolation, text diffs and arithmetic on image embeddings (unCLIP's image manipulations).
import StageKit
import TensorStream

let spec = CommandSpec(
    name: "unclip-mix", summary: "interpolate, diff and add CLIP embeddings", usage: ["COMMAND [options] [STREAM]"],
    common: .minimal,
    details: "Each command maps every input frame to one output frame whose `image.embed` feeds unclip-decode.",
    subcommands: [
        CommandSpec(
            name: "slerp", summary: "K embeddings on the great circle from item 0 to item 1 of each frame",
            usage: ["[--steps K] [--noise fixed|slerp] [STREAM]"],
            options: [
                OptionSpec("steps", short: "n", value: "K", default: "5", help: "number of outputs, ends included"),
                OptionSpec("noise", value: "MODE", default: "fixed", help: "latent/noise: fixed (item 0's) or slerp"),
            ], common: .basic),
        CommandSpec(
            name: "text-diff", summary: "move an image's embedding toward a caption: slerp(z_i, norm(z_t - z_t0), θ)",
            usage: ["[--angles LIST] [STREAM]"],
            options: [
                OptionSpec(
                    "angles", value: "LIST", default: "0,0.1,0.2,0.3,0.4,0.5", help: "interpolation amounts θ in [0, 1]"
                )
            ], common: .basic),
        CommandSpec(
            name: "sum", summary: "embedding arithmetic, e.g. 'text.embed:1 - text.embed:2 + text.embed:0'",
            usage: ["EXPRESSION [STREAM]"], common: .basic,
            details: """
                A term is [W*]NAME[:ROW]: row ROW (default 0) of tensor NAME, weighted by W. The result is
                Σ ± W · normalized(term), normalised and scaled to the terms' mean length, as image.embed [1, D].
                """),
    ])

Stage.run(spec) { stage in
    let args = stage.command
    switch args.command.name {
    case "slerp":
        try args.expectOperands(0...1)
        let steps = try args.int("steps", in: 1...4096) ?? 5
        let fixed = try args.choice("noise", from: ["fixed", "slerp"]) == "fixed"
        try stage.filterFrames(input: args.operands.first) { frame, index in
            frame = try Mixing.slerp(frame, steps: steps, fixedNoise: fixed, frameIndex: index)
        }
    case "text-diff":
        try args.expectOperands(0...1)
        let text = args.string("angles") ?? ""
        let angles = try text.split(separator: ",").map { part throws(UsageError) -> Float in
            guard let a = Float(part.filter { $0 != " " }), (0...1).contains(a) else {
                throw UsageError("option --angles: '\(part)' is not a number in 0...1")
            }
            return a
        }
        guard !angles.isEmpty else { throw UsageError("option --angles: empty list") }
        try stage.filterFrames(input: args.operands.first) { frame, index in
            frame = try Mixing.textDiff(frame, angles: angles, frameIndex: index)
        }
    case "sum":
        try args.expectOperands(1...2)
        let terms = try Mixing.terms(parsing: args.operands[0])
        try stage.filterFrames(input: args.operands.count > 1 ? args.operands[1] : nil) { frame, index in
            frame = try Mixing.sum(frame, terms: terms, frameIndex: index)
        }
    default:
        throw UsageError("unknown command '\(args.command.name)'")
    }
}
