import Testing

@testable import TensorStream

@Suite struct MetadataListTests {
    @Test func roundTripsAwkwardStrings() throws {
        let items = ["a red circle", "", "quote \" and \\ backslash", "new\nline\ttab", "ünïcødé ✓ 🎨", "\u{01}"]
        let text = MetadataList.encode(items)
        #expect(try MetadataList.decode(text, key: "prompt") == items)
        #expect(MetadataList.encode([]) == "[]")
        #expect(MetadataList.encode(["x", "y"]) == #"["x","y"]"#)
    }

    @Test func acceptsWhitespaceAndEscapes() throws {
        #expect(try MetadataList.decode(#" [ "a" ,"\u00e9\/" ] "#, key: "k") == ["a", "é/"])
        #expect(try MetadataList.decode("[]", key: "k") == [])
    }

    @Test(arguments: ["", "[", "[\"a\"", "[\"a\",]", "[1]", "{\"a\":1}", "[\"a\"] x", "\"a\"", "[\"\\x\"]"])
    func refusesAnythingButAnArrayOfStrings(_ text: String) {
        #expect(throws: TensorStreamError.self) { try MetadataList.decode(text, key: "prompt", frame: 3) }
    }

    @Test func errorsNameTheKeyAndFrame() {
        do {
            _ = try MetadataList.decode("[1]", key: "prompt", frame: 3)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("metadata 'prompt'"))
            #expect("\(error)".contains("frame 3"))
        }
    }

    @Test func frameAccessors() throws {
        var frame = Frame()
        #expect(try frame.metadataList("prompt") == nil)
        frame.setMetadataList(["one", "two"], for: "prompt")
        #expect(try frame.metadataList("prompt") == ["one", "two"])
    }
}
