import Testing

@testable import StageKit

private let spec = CommandSpec(
    name: "unclip-demo", summary: "a demo stage",
    options: [
        OptionSpec("steps", short: "n", value: "N", default: "25", help: "sampling steps"),
        OptionSpec("guidance", value: "S", help: "guidance scale"),
        OptionSpec("grid", help: "one sheet"),
        OptionSpec("tensor", short: "t", value: "NAME", repeatable: true, help: "a tensor"),
    ])

@Suite struct ArgumentsTests {
    @Test func parsesLongShortInlineAndOperands() throws {
        let a = try Arguments(
            parsing: ["-n", "7", "in.st", "--guidance=4.5", "--grid", "-t", "a", "--tensor", "b"], spec: spec)
        #expect(try a.int("steps") == 7)
        #expect(try a.double("guidance") == 4.5)
        #expect(a.has("grid"))
        #expect(a.strings("tensor") == ["a", "b"])
        #expect(a.operands == ["in.st"])
    }

    @Test func defaultsApplyWhenAbsent() throws {
        let a = try Arguments(parsing: [], spec: spec)
        #expect(try a.int("steps") == 25)
        #expect(a.string("guidance") == nil)
        #expect(!a.has("grid"))
    }

    @Test func dashIsAnOperandAndDoubleDashEndsOptions() throws {
        let a = try Arguments(parsing: ["-", "--", "--grid"], spec: spec)
        #expect(a.operands == ["-", "--grid"])
        #expect(!a.has("grid"))
    }

    @Test(arguments: [
        (["--bogus"], "unknown option '--bogus'"),
        (["-x"], "unknown option '-x'"),
        (["--steps"], "option --steps needs a value (N)"),
        (["--grid=1"], "option --grid takes no value"),
        (["-n", "1", "-n", "2"], "option --steps given twice"),
    ])
    func rejectsBadCommandLines(argv: [String], message: String) {
        #expect(throws: UsageError.self) { try Arguments(parsing: argv, spec: spec) }
        do {
            _ = try Arguments(parsing: argv, spec: spec)
        } catch {
            #expect(error.message == message)
        }
    }

    @Test func typedAccessorsRejectBadValues() throws {
        let a = try Arguments(parsing: ["--steps", "many", "--guidance", "nan"], spec: spec)
        #expect(throws: UsageError.self) { try a.int("steps") }
        #expect(throws: UsageError.self) { try a.double("guidance") }
        let b = try Arguments(parsing: ["--steps", "0"], spec: spec)
        #expect(throws: UsageError.self) { try b.int("steps", in: 1...1000) }
    }

    @Test func commonOptionsAreOnEveryStage() throws {
        let a = try Arguments(parsing: ["--seed", "42", "--threads", "2", "-q", "--model", "m"], spec: spec)
        #expect(try a.uint64("seed") == 42)
        #expect(a.has("quiet"))
        #expect(a.string("model") == "m")
        #expect(throws: UsageError.self) { try Arguments(parsing: ["--seed", "-1"], spec: spec).uint64("seed") }
    }

    @Test func subcommandsDispatch() throws {
        let tool = CommandSpec(
            name: "unclip-tool", summary: "tool", common: .minimal,
            subcommands: [
                CommandSpec(
                    name: "head", summary: "first frames",
                    options: [OptionSpec("n", short: "n", value: "N", help: "count")], common: .minimal),
                CommandSpec(name: "ls", summary: "list", common: .minimal),
            ])
        let a = try Arguments(parsing: ["head", "-n", "3", "f.st"], spec: tool)
        let sub = try #require(a.subcommand?.arguments)
        #expect(sub.command.name == "head")
        #expect(try sub.int("n") == 3)
        #expect(sub.operands == ["f.st"])
        #expect(throws: UsageError.self) { try Arguments(parsing: ["frob"], spec: tool) }
        #expect(throws: UsageError.self) { try Arguments(parsing: [], spec: tool) }
        #expect(tool.helpText.contains("head  first frames"))
    }

    @Test func helpListsEveryOptionWithDefaults() {
        let help = spec.helpText
        #expect(help.hasPrefix("unclip-demo — a demo stage\n\nusage: unclip-demo [options] [STREAM]\n"))
        for name in ["--steps N", "--guidance S", "--grid", "--tensor NAME", "--seed N", "--model DIR", "--help"] {
            #expect(help.contains(name), "help lacks \(name)")
        }
        #expect(help.contains("sampling steps (default: 25)"))
    }
}
