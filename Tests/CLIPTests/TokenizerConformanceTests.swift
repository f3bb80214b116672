import Foundation
import Testing

@testable import CLIP

/// Ids against the references on the committed fixture of ~11.5k strings (make_tokenizer_fixture.py).
@Suite struct TokenizerConformanceTests {
    /// The fixture's cases, with a short report of the first differences.
    func compare(
        _ tokenizer: CLIPTokenizer, expected: (Fixtures.Case) -> [Int32]?,
        skip: (Fixtures.Case) -> Bool = { _ in false }
    ) throws -> (matched: Int, total: Int, skipped: Int, report: [String]) {
        var matched = 0, total = 0, skipped = 0
        var report: [String] = []
        for c in try Fixtures.cases() {
            guard let want = expected(c) else { continue }
            if skip(c) {
                skipped += 1
                continue
            }
            total += 1
            let got = tokenizer.tokenizeRow(c.text)
            let trimmed = Array(got.ids.prefix(got.length))
            if trimmed == want {
                matched += 1
            } else if report.count < 20 {
                report.append("\(c.text.debugDescription)\n  want \(want)\n  got  \(trimmed)")
            }
        }
        return (matched, total, skipped, report)
    }

    @Test func matchesOpenCLIP() throws {
        let tokenizer = try Fixtures.openCLIP.get()
        // Mojibake repair (ftfy.fix_encoding) is not implemented: those strings are counted, not required.
        let result = try compare(tokenizer, expected: { $0.ids }, skip: { $0.mojibake })
        print("open_clip: \(result.matched)/\(result.total) matched, \(result.skipped) mojibake strings skipped")
        for line in result.report { print(line) }
        #expect(result.total > 11000)
        #expect(result.matched == result.total)
    }

    @Test func matchesOpenAICLIP() throws {
        let tokenizer = try Fixtures.openAI.get()
        let result = try compare(tokenizer, expected: { $0.openAI ?? $0.ids }, skip: { $0.mojibake })
        print("OpenAI clip: \(result.matched)/\(result.total) matched, \(result.skipped) mojibake strings skipped")
        for line in result.report { print(line) }
        #expect(result.matched == result.total)
    }

    /// transformers' CLIPTokenizer (tokenizers backend) normalizes differently: NFC, whitespace, lowercase, but no
    /// ftfy and no HTML unescaping, a case-sensitive pattern, and special tokens split out before normalizing.
    /// The fixture's meta counts the differences that vanish when transformers gets open_clip's cleaned text.
    @Test func agreesWithHuggingFaceWhereItCleansAlike() throws {
        let tokenizer = try Fixtures.openAI.get()
        var same = 0, differ = 0
        for c in try Fixtures.cases() {
            let got = tokenizer.tokenizeRow(c.text)
            let row = Array(got.ids.prefix(got.length))
            if row == (c.huggingFace ?? c.ids) { same += 1 } else { differ += 1 }
        }
        print("transformers CLIPTokenizer: \(same)/\(same + differ) equal; \(differ) differ by its text normalization")
        #expect(same > 9900)
    }

    /// Mojibake repair (ftfy.fix_encoding) is not implemented; these strings are tokenized as written. Lists them.
    /// With `.huggingFace` normalization the ids are transformers' own, on every string.
    @Test func huggingFaceNormalizationMatchesTransformers() throws {
        let tokenizer = try CLIPTokenizer(bpeGzipPath: Fixtures.bpePath, normalization: .huggingFace)
        let result = try compare(tokenizer, expected: { $0.huggingFace ?? $0.ids })
        print("transformers CLIPTokenizer (.huggingFace normalization): \(result.matched)/\(result.total) matched")
        for line in result.report { print(line) }
        #expect(result.matched == result.total)
    }

    @Test func mojibakeStringsAreListed() throws {
        let tokenizer = try Fixtures.openCLIP.get()
        var same = 0
        var differ: [String] = []
        for c in try Fixtures.cases() where c.mojibake {
            let got = tokenizer.tokenizeRow(c.text)
            if Array(got.ids.prefix(got.length)) == c.ids { same += 1 } else { differ.append(c.text.debugDescription) }
        }
        print("mojibake strings (ftfy.fix_encoding changes them): \(same) match anyway, \(differ.count) differ:")
        for text in differ { print("  \(text)") }
        #expect(same + differ.count > 0)
    }
}
