/// The command-line interface of one stage: its name, what it does, its options and operands.
///
/// Every stage declares one of these; `ArgumentParser` parses against it and `helpText` renders `--help`,
/// so the help text and the parser cannot disagree.
public struct CommandSpec: Sendable {
    public var name: String
    public var summary: String
    /// Usage lines after the program name, e.g. `["[options] [STREAM]"]`.
    public var usage: [String]
    public var options: [OptionSpec]
    /// Longer description printed after the options (examples, notes).
    public var details: String
    /// Subcommands, for tools like `unclip-tensors ls|cat|...`; empty for most stages.
    public var subcommands: [CommandSpec]

    public init(
        name: String, summary: String, usage: [String] = ["[options] [STREAM]"], options: [OptionSpec] = [],
        common: CommonOptions = .stage, details: String = "", subcommands: [CommandSpec] = []
    ) {
        self.name = name
        self.summary = summary
        self.usage = usage
        self.options = options + common.specs
        self.details = details
        self.subcommands = subcommands
    }

    /// The `--help` text.
    public var helpText: String {
        var lines = ["\(name) — \(summary)", ""]
        for (i, u) in usage.enumerated() { lines.append((i == 0 ? "usage: " : "       ") + "\(name) \(u)") }
        if !subcommands.isEmpty {
            lines.append("")
            lines.append("commands:")
            let width = subcommands.map(\.name.count).max() ?? 0
            for c in subcommands {
                lines.append("  " + c.name.padded(to: width + 2) + c.summary)
            }
            lines.append("Run '\(name) COMMAND --help' for a command's options.")
        }
        if !options.isEmpty {
            lines.append("")
            lines.append("options:")
            let labels = options.map(\.label)
            let width = min(labels.map(\.count).max() ?? 0, 28)
            for (o, label) in zip(options, labels) {
                var help = o.help
                if let d = o.defaultValue { help += " (default: \(d))" }
                if label.count > width {
                    lines.append("  \(label)")
                    lines.append("  " + String(repeating: " ", count: width + 2) + help)
                } else {
                    lines.append("  " + label.padded(to: width + 2) + help)
                }
            }
        }
        if !details.isEmpty {
            lines.append("")
            lines.append(details)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// One option: `--name VALUE`, `-n VALUE` or a flag `--name`.
public struct OptionSpec: Sendable {
    public var name: String
    public var short: Character?
    /// The placeholder for the value in help text; nil makes the option a flag.
    public var valueName: String?
    public var help: String
    public var defaultValue: String?
    /// Whether the option may be given several times (values accumulate).
    public var repeatable: Bool

    public init(
        _ name: String, short: Character? = nil, value valueName: String? = nil, default defaultValue: String? = nil,
        repeatable: Bool = false, help: String
    ) {
        self.name = name
        self.short = short
        self.valueName = valueName
        self.help = help
        self.defaultValue = defaultValue
        self.repeatable = repeatable
    }

    public var isFlag: Bool { valueName == nil }

    var label: String {
        var s = short.map { "-\($0), " } ?? "    "
        s += "--\(name)"
        if let v = valueName { s += " \(v)" }
        return s
    }
}

/// The options every stage shares, parsed once here for all of them.
public struct CommonOptions: Sendable {
    public var specs: [OptionSpec]

    /// `--help`, `--version`, `--quiet`, `--progress`, `--threads`.
    public static let basic = CommonOptions(specs: [
        OptionSpec("threads", value: "N", help: "worker threads (default: UNCLIP_THREADS or the number of cores)"),
        OptionSpec("quiet", short: "q", help: "print nothing on stderr but errors"),
        OptionSpec("progress", help: "show progress on stderr even when it is not a terminal"),
        OptionSpec("version", help: "print the version and exit"),
        OptionSpec("help", short: "h", help: "print this help and exit"),
    ])
    /// The basic options plus `--model`, for stages that run a deterministic model.
    public static let model = CommonOptions(specs: [modelOption] + basic.specs)
    /// The basic options plus `--model` and `--seed`, for stages that run a model and draw random numbers.
    public static let stage = CommonOptions(
        specs: [
            modelOption,
            OptionSpec(
                "seed", value: "N",
                help: "seed for every random draw; recorded in the frame (default: from the frame, else 0)"),
        ] + basic.specs)
    /// Only `--help` and `--version`.
    public static let minimal = CommonOptions(specs: [
        OptionSpec("version", help: "print the version and exit"),
        OptionSpec("help", short: "h", help: "print this help and exit"),
    ])
    public static let none = CommonOptions(specs: [])

    static let modelOption = OptionSpec(
        "model", short: "m", value: "DIR", help: "model folder (config.json + *.safetensors)")

    public init(specs: [OptionSpec]) { self.specs = specs }
}
