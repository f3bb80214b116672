import Foundation
import Imaging

@testable import CLIP

/// Paths of the committed tokenizer fixtures, found from this file (no SwiftPM resources).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/clip")
    static let bpePath = directory.appendingPathComponent("bpe_simple_vocab_16e6.txt.gz").path
    static let fixturePath = directory.appendingPathComponent("tokenizer_fixture.json.gz").path

    /// OpenAI's vocabulary with OpenAI's special-token spelling, loaded once for all tests.
    static let openAI: Result<CLIPTokenizer, Error> = Result {
        try CLIPTokenizer(bpeGzipPath: bpePath)
    }
    /// The same vocabulary with open_clip's spelling `<start_of_text>`/`<end_of_text>`.
    static let openCLIP: Result<CLIPTokenizer, Error> = Result {
        try CLIPTokenizer(bpeGzipPath: bpePath, specialTokens: .openCLIP)
    }

    struct Case {
        var text: String
        var ids: [Int32]
        var openAI: [Int32]?
        var huggingFace: [Int32]?
        var mojibake: Bool
    }

    static func ids(_ field: Any?) -> [Int32]? {
        guard let s = field as? String else { return nil }
        return s.split(separator: " ").compactMap { Int32($0) }
    }

    /// The cases of tokenizer_fixture.json.gz (see make_tokenizer_fixture.py).
    static func cases() throws -> [Case] {
        let data = try Gzip.decompress([UInt8](Data(contentsOf: URL(fileURLWithPath: fixturePath))))
        let root = try JSONSerialization.jsonObject(with: Data(data)) as? [String: Any]
        let list = root?["cases"] as? [[String: Any]] ?? []
        return list.map {
            Case(
                text: $0["text"] as? String ?? "", ids: ids($0["ids"]) ?? [], openAI: ids($0["openai"]),
                huggingFace: ids($0["hf"]), mojibake: $0["mojibake"] as? Bool ?? false)
        }
    }
}
