import TensorStream
import Testing

@testable import StageKit

@Suite struct ProvenanceTests {
    static func context(_ argv: [String] = []) throws -> StageContext {
        let spec = CommandSpec(name: "unclip-demo", summary: "demo")
        let args = try Arguments(parsing: argv, spec: spec)
        return StageContext(name: "unclip-demo", arguments: args, command: args)
    }

    @Test func stampSetsProducerAndAppendsOneLinePerStage() throws {
        let stage = try Self.context()
        var frame = Frame(metadata: ["prompt": #"["x"]"#, "custom": "kept"])
        stage.stamp(&frame)
        stage.stamp(&frame, model: ModelStamp(name: "embedded/prior", digestPrefix: "0123456789abcdef"), seed: 7)
        #expect(frame.metadata["producer"] == "unclip-demo \(UnCLIPVersion.string)")
        #expect(frame.metadata["seed"] == "7")
        #expect(frame.metadata["custom"] == "kept")
        #expect(frame.metadata["prompt"] == #"["x"]"#)
        let lines = frame.metadata["provenance"]?.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "unclip-demo \(UnCLIPVersion.string)",
                "unclip-demo \(UnCLIPVersion.string) model=embedded/prior sha256=0123456789abcdef seed=7",
            ])
    }

    @Test func seedComesFromTheOption() throws {
        #expect(try Self.context(["--seed", "18446744073709551615"]).seedOption() == UInt64.max)
        #expect(try Self.context().seedOption() == nil)
    }

    @Test func progressIsSilentWhenNotAsked() throws {
        let stage = try Self.context(["--quiet", "--progress"])
        #expect(!stage.progress("step", total: 10).enabled)
        #expect(Progress.format(5.2) == "6s")
        #expect(Progress.format(125) == "2m05s")
    }
}
