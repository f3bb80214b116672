import TensorStream

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The version every stage reports and records in provenance.
public enum UnCLIPVersion {
    public static let string = "0.1.0"
}

/// Runs a stage's `main`: parses the command line, answers `--help` and `--version`, and turns every error
/// into the program contract — one line `name: message` on stderr and exit 1, or exit 64 for a usage error,
/// or a quiet exit 0 when the downstream reader has gone away.
public enum Stage {
    public static func run(_ spec: CommandSpec, _ body: (StageContext) throws -> Void) -> Never {
        run(spec, argv: Array(CommandLine.arguments.dropFirst()), body)
    }

    /// `run` over an explicit argument list (without the program name), for a program that splits its command
    /// line itself (`unclip-cache [options] -- STAGE ARGS...`).
    public static func run(_ spec: CommandSpec, argv: [String], _ body: (StageContext) throws -> Void) -> Never {
        // A closed downstream pipe must surface as EPIPE from write(2), not kill us with SIGPIPE mid-frame.
        signal(SIGPIPE, SIG_IGN)
        let arguments: Arguments
        do {
            arguments = try Arguments(parsing: argv, spec: spec)
        } catch {
            usageFailure(spec.name, error.message)
        }
        // Resolve a subcommand chain down to the command that runs; --help at any level prints that level.
        var current = arguments
        var names = [spec.name]
        while let sub = current.subcommand?.arguments {
            current = sub
            names.append(sub.command.name)
        }
        let fullName = names.joined(separator: " ")
        if current.has("help") || arguments.has("help") {
            var shown = current.has("help") ? current.command : spec
            if shown.name != spec.name { shown.name = fullName }
            writeText(shown.helpText)
            exit(0)
        }
        if arguments.has("version") || current.has("version") {
            writeText("\(spec.name) \(UnCLIPVersion.string)\n")
            exit(0)
        }
        let context = StageContext(name: spec.name, arguments: arguments, command: current)
        do {
            try context.applyThreads()
            try body(context)
            exit(0)
        } catch let error as UsageError {
            usageFailure(fullName, error.message)
        } catch let error as TensorStreamError where error.isBrokenPipe {
            exit(0)
        } catch {
            Diagnostics.error(spec.name, String(describing: error))
            exit(1)
        }
    }

    static func usageFailure(_ name: String, _ message: String) -> Never {
        Diagnostics.error(name, "\(message) (see '\(name) --help')")
        exit(64)
    }
}

/// A runtime failure a stage reports in its own words (exit status 1).
public struct StageError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
