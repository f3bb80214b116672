/// The parsed command line of a stage: option values by long name, and the operands in order.
public struct Arguments: Sendable {
    public let command: CommandSpec
    public private(set) var values: [String: [String]] = [:]
    public private(set) var operands: [String] = []
    /// The chosen subcommand's arguments, when the command has subcommands.
    public private(set) var subcommand: SubcommandBox?

    /// Parses `argv` (without the program name) against `spec`.
    /// Options may come before or after operands; `--` ends options; `-` alone is an operand (stdin);
    /// `--name=value` and `-n value` are accepted; short flags do not combine.
    public init(parsing argv: [String], spec: CommandSpec) throws(UsageError) {
        command = spec
        var i = 0
        var optionsEnded = false
        while i < argv.count {
            let arg = argv[i]
            i += 1
            if optionsEnded || arg == "-" || !arg.hasPrefix("-") {
                if operands.isEmpty, subcommand == nil, !spec.subcommands.isEmpty {
                    guard let sub = spec.subcommands.first(where: { $0.name == arg }) else {
                        throw UsageError(
                            "unknown command '\(arg)'; commands: "
                                + spec.subcommands.map(\.name).joined(separator: ", "))
                    }
                    subcommand = SubcommandBox(try Arguments(parsing: Array(argv[i...]), spec: sub))
                    return
                }
                operands.append(arg)
                continue
            }
            if arg == "--" {
                optionsEnded = true
                continue
            }
            var name: Substring
            var inlineValue: String?
            let option: OptionSpec?
            if arg.hasPrefix("--") {
                name = arg.dropFirst(2)
                if let eq = name.firstIndex(of: "=") {
                    inlineValue = String(name[name.index(after: eq)...])
                    name = name[..<eq]
                }
                option = spec.options.first { $0.name == name }
            } else {
                name = arg.dropFirst()
                option = name.count == 1 ? spec.options.first { $0.short == name.first } : nil
            }
            guard let option else { throw UsageError("unknown option '\(arg)'") }
            if option.isFlag {
                if inlineValue != nil { throw UsageError("option --\(option.name) takes no value") }
                values[option.name, default: []].append("")
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard i < argv.count else {
                    throw UsageError("option --\(option.name) needs a value (\(option.valueName ?? "VALUE"))")
                }
                value = argv[i]
                i += 1
            }
            if !option.repeatable, values[option.name] != nil {
                throw UsageError("option --\(option.name) given twice")
            }
            values[option.name, default: []].append(value)
        }
        if !spec.subcommands.isEmpty, subcommand == nil, !has("help"), !has("version") {
            throw UsageError("missing command; commands: " + spec.subcommands.map(\.name).joined(separator: ", "))
        }
    }

    /// Whether an option (flag or valued) was given.
    public func has(_ name: String) -> Bool { values[name] != nil }

    /// The option's value, or its declared default, or nil.
    public func string(_ name: String) -> String? {
        values[name]?.last ?? command.options.first { $0.name == name }?.defaultValue
    }

    /// Every value given for a repeatable option.
    public func strings(_ name: String) -> [String] { values[name] ?? [] }

    public func int(_ name: String, in range: ClosedRange<Int>? = nil) throws(UsageError) -> Int? {
        guard let s = string(name) else { return nil }
        guard let v = Int(s) else { throw UsageError("option --\(name): '\(s)' is not an integer") }
        if let range, !range.contains(v) {
            throw UsageError("option --\(name): \(v) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    public func uint64(_ name: String) throws(UsageError) -> UInt64? {
        guard let s = string(name) else { return nil }
        guard let v = UInt64(s) else { throw UsageError("option --\(name): '\(s)' is not a non-negative integer") }
        return v
    }

    public func double(_ name: String, in range: ClosedRange<Double>? = nil) throws(UsageError) -> Double? {
        guard let s = string(name) else { return nil }
        guard let v = Double(s), v.isFinite else { throw UsageError("option --\(name): '\(s)' is not a number") }
        if let range, !range.contains(v) {
            throw UsageError("option --\(name): \(v) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    /// The value of an option restricted to a fixed set of words.
    public func choice(_ name: String, from words: [String]) throws(UsageError) -> String? {
        guard let s = string(name) else { return nil }
        guard words.contains(s) else {
            throw UsageError("option --\(name): '\(s)' is not one of \(words.joined(separator: ", "))")
        }
        return s
    }

    /// Fails unless the operand count is in `range`.
    public func expectOperands(_ range: ClosedRange<Int>) throws(UsageError) {
        if operands.count < range.lowerBound { throw UsageError("missing operand") }
        if operands.count > range.upperBound { throw UsageError("unexpected operand '\(operands[range.upperBound])'") }
    }
}

/// Boxes a subcommand's arguments (a struct cannot hold itself).
public final class SubcommandBox: Sendable {
    public let arguments: Arguments
    init(_ arguments: Arguments) { self.arguments = arguments }
}

/// A mistake on the command line: printed with a hint to `--help`, exit status 64.
public struct UsageError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
