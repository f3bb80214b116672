import Foundation
import Testing

@testable import CLIP

/// Golden ids (from OpenAI's clip.simple_tokenizer), the batch API, truncation, decoding and loading errors.
@Suite struct TokenizerTests {
    @Test func goldenIDs() throws {
        let t = try Fixtures.openAI.get()
        #expect(t.vocabularySize == 49408)
        #expect(t.startID == 49406 && t.endID == 49407)
        #expect(t.encode("a photo of a cat") == [320, 1125, 539, 320, 2368])
        #expect(t.encode("A Photo of a CAT!!") == [320, 1125, 539, 320, 2368, 748])
        #expect(t.encode("don't &amp; won't") == [847, 713, 261, 1749, 713])
        #expect(t.encode("") == [])
        #expect(t.encode("Hello<|endoftext|>world") == [3306, 49407, 1002])
        #expect(t.encode("2026") == [273, 271, 273, 277])
    }

    @Test func decodeRoundTrip() throws {
        let t = try Fixtures.openAI.get()
        #expect(t.decode(t.encode("don't &amp; café 🐱")) == "don 't & café 🐱 ")
    }

    @Test func batchLayoutAndTruncation() throws {
        let t = try Fixtures.openAI.get()
        let long = String(repeating: "cat ", count: 100)
        let batch = try t.tokenize(["a photo of a cat", "", long])
        #expect(batch.shape == [3, 77])
        #expect(Array(batch.row(0).prefix(8)) == [49406, 320, 1125, 539, 320, 2368, 49407, 0])
        #expect(Array(batch.row(1).prefix(3)) == [49406, 49407, 0])
        #expect(batch.endPositions == [6, 1, 76])
        #expect(batch.truncated == [false, false, true])
        // open_clip / clip.tokenize(truncate=True): the first 76 ids, then the end token.
        #expect(batch.row(2).first == 49406 && batch.row(2).last == 49407)
        #expect(batch.row(2).dropFirst().dropLast().allSatisfy { $0 == 2368 })
        #expect(batch.mask[0..<77].filter { $0 }.count == 7)
        #expect(batch.mask[154..<231].allSatisfy { $0 })
        // Exactly 75 text tokens fit without truncation; 76 do not.
        let fits = try t.tokenize([String(repeating: "cat ", count: 75), String(repeating: "cat ", count: 76)])
        #expect(fits.truncated == [false, true])
        #expect(fits.endPositions == [76, 76])
        #expect(throws: TokenizerError.textTooLong(index: 1, tokenCount: 102, contextLength: 77)) {
            try t.tokenize(["short", long], truncate: false)
        }
    }

    @Test func largeBatchesMatchSingleRows() throws {
        let t = try Fixtures.openAI.get()
        let texts = (0..<3000).map { "caption number \($0) of a red cube next to a blue sphere" }
        let batch = try t.tokenize(texts)
        for i in stride(from: 0, to: texts.count, by: 97) {
            #expect(Array(batch.row(i)) == t.tokenizeRow(texts[i]).ids)
        }
    }

    @Test func huggingFaceFilesGiveTheSameIDs() throws {
        // vocab.json + merges.txt written from the OpenAI file, as make_tokenizer_fixture.py does for transformers.
        let t = try Fixtures.openAI.get()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clip-hf-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var vocab: [String: Int] = [:]
        for (id, token) in t.tokens.enumerated() { vocab[token] = id }
        try JSONSerialization.data(withJSONObject: vocab).write(to: dir.appendingPathComponent("vocab.json"))
        let merges = t.merges.sorted { $0.value.rank < $1.value.rank }.map { entry -> String in
            "\(t.tokens[Int(entry.key >> 32)]) \(t.tokens[Int(entry.key & 0xFFFF_FFFF)])"
        }
        try ("#version: 0.2\n" + merges.joined(separator: "\n") + "\n").write(
            to: dir.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)
        let hf = try CLIPTokenizer(
            vocabJSONPath: dir.appendingPathComponent("vocab.json").path,
            mergesPath: dir.appendingPathComponent("merges.txt").path)
        #expect(hf.vocabularySize == t.vocabularySize)
        for c in try Fixtures.cases() where c.text.count % 7 == 0 {
            #expect(hf.encode(c.text) == t.encode(c.text), "\(c.text.debugDescription)")
        }
    }

    @Test func loadingErrorsNameTheFileAndLine() throws {
        #expect(throws: TokenizerError.unreadableFile(path: "/nonexistent/bpe.txt.gz", reason: "no such file")) {
            try CLIPTokenizer(bpeGzipPath: "/nonexistent/bpe.txt.gz")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clip-bad-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let notGzip = dir.appendingPathComponent("plain.txt.gz").path
        try "#version: 0.2\ni n\n".write(toFile: notGzip, atomically: true, encoding: .utf8)
        #expect {
            try CLIPTokenizer(bpeGzipPath: notGzip)
        } throws: { error in
            guard case TokenizerError.unreadableFile(let path, let reason) = error else { return false }
            return path == notGzip && reason.contains("gzip")
        }
        let malformed = dir.appendingPathComponent("merges.txt").path
        try "#version: 0.2\ni n\nt h\nthree parts here\n".write(toFile: malformed, atomically: true, encoding: .utf8)
        #expect(
            throws: TokenizerError.malformedLine(
                path: malformed, line: 4, reason: "expected two symbols separated by a space, found 3")
        ) {
            try CLIPTokenizer(mergesPath: malformed)
        }
        #expect(
            throws: TokenizerError.malformedLine(path: malformed, line: 5, reason: "file ends after 3 of 10 merges")
        ) {
            try CLIPTokenizer(mergesPath: malformed, mergeCount: 10)
        }
        let unknown = dir.appendingPathComponent("unknown.txt").path
        try "#version: 0.2\nx yz\n".write(toFile: unknown, atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError.self) { try CLIPTokenizer(mergesPath: unknown) }
        let badJSON = dir.appendingPathComponent("vocab.json").path
        try "[1, 2]".write(toFile: badJSON, atomically: true, encoding: .utf8)
        #expect {
            try CLIPTokenizer(vocabJSONPath: badJSON, mergesPath: malformed)
        } throws: { error in
            guard case TokenizerError.invalidVocabulary(let path, _) = error else { return false }
            return path == badJSON
        }
    }

    @Test func cleaning() {
        #expect(CLIPTextCleaner.clean("  Hello\t\tWORLD \n") == "hello world")
        #expect(CLIPTextCleaner.clean("&amp;amp;lt;b&amp;gt;") == "<b>")
        #expect(CLIPTextCleaner.clean("x < y &amp;amp; z") == "x < y & z")
        #expect(CLIPTextCleaner.clean("“curly” ‘quotes’ ﬁne ＦＵＬＬ") == "\"curly\" 'quotes' fine full")
        #expect(CLIPTextCleaner.clean("ΣΟΦΟΣ") == "σοφος")
        #expect(CLIPTextCleaner.clean("cafe\u{301}") == "café")
        #expect(CLIPTextCleaner.clean("\u{1B}[31mred\u{1B}[0m\u{0}") == "red")
        // The second html.unescape sees "&amp" + U+037E: no entity is named that, so only the "amp" prefix decodes.
        #expect(Array(CLIPTextCleaner.clean("< &amp;amp&#894;").unicodeScalars) == ["<", " ", "&", "\u{37E}"])
    }
}

/// One tokenizer shared by many threads gives every thread the ids a fresh tokenizer gives.
@Suite struct TokenizerConcurrencyTests {
    @Test func sharedAcrossThreads() throws {
        let shared = try CLIPTokenizer(bpeGzipPath: Fixtures.bpePath)
        let reference = try Fixtures.openAI.get()
        let texts = try Fixtures.cases().map(\.text).filter { $0.count % 5 == 0 }
        let expected = texts.map { reference.encode($0) }
        let failures = UnsafeMutableBufferPointer<Int>.allocate(capacity: 4)
        failures.initialize(repeating: 0)
        defer { failures.deallocate() }
        nonisolated(unsafe) let counts = failures
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for i in stride(from: worker, to: texts.count, by: 2) where shared.encode(texts[i]) != expected[i] {
                counts[worker] += 1
            }
        }
        #expect(failures.reduce(0, +) == 0)
    }
}

/// Canonically equivalent words are different bytes, so different tokens (Python compares code points).
@Suite struct TokenizerMemoTests {
    @Test func equivalentSpellingsKeepTheirOwnIDs() throws {
        // U+037E GREEK QUESTION MARK is canonically ';' and U+F900 is U+8C48. With a '<' in the text ftfy leaves
        // the references alone, and html.unescape runs after the NFC step. Ids from OpenAI's simple_tokenizer.
        let cases: [(String, [Int32], String, [Int32])] = [
            ("< ;", [283, 282], "< &#894;", [283, 137, 378]),
            ("< \u{8C48}", [283, 164, 109, 486], "< &#63744;", [283, 171, 97, 478]),
        ]
        for (plain, plainIDs, reference, referenceIDs) in cases {
            let shared = try CLIPTokenizer(bpeGzipPath: Fixtures.bpePath)
            #expect(shared.encode(plain) == plainIDs)
            #expect(shared.encode(reference) == referenceIDs)
            #expect(shared.encode(plain) == plainIDs)
        }
    }
}
