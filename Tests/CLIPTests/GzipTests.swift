import Foundation
import Imaging
import Testing

/// Imaging's `Gzip.decompress` on the committed vocabulary and on damaged copies.
@Suite struct GzipTests {
    func vocabularyBytes() throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.bpePath)))
    }

    @Test func decompressesOpenAIVocabulary() throws {
        let text = try Gzip.decompress(try vocabularyBytes())
        // Sizes from `zcat bpe_simple_vocab_16e6.txt.gz | wc -lc`.
        #expect(text.count == 3_194_984)
        #expect(text.filter { $0 == 0x0A }.count == 262_145)
        #expect(String(decoding: text.prefix(60), as: UTF8.self).contains("#version: 0.2\ni n\n"))
    }

    @Test func readsConcatenatedMembers() throws {
        // Two members made by Python's gzip.compress(mtime=0): "hello " then "world\n".
        let a: [UInt8] = [
            0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xCB, 0x48, 0xCD, 0xC9, 0xC9, 0x57, 0x00, 0x00,
            0xF6, 0xF9, 0x81, 0xED, 0x06, 0x00, 0x00, 0x00,
        ]
        let b: [UInt8] = [
            0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x2B, 0xCF, 0x2F, 0xCA, 0x49, 0xE1, 0x02, 0x00,
            0xA8, 0x61, 0x38, 0xDD, 0x06, 0x00, 0x00, 0x00,
        ]
        #expect(String(decoding: try Gzip.decompress(a + b), as: UTF8.self) == "hello world\n")
    }

    @Test func rejectsDamage() throws {
        let good = try vocabularyBytes()
        var badMagic = good
        badMagic[0] = 0x1E
        #expect(throws: ImagingError.self) { try Gzip.decompress(badMagic) }
        var badCRC = good
        badCRC[good.count - 6] ^= 0xFF
        #expect(throws: ImagingError.self) { try Gzip.decompress(badCRC) }
        #expect(throws: ImagingError.self) { try Gzip.decompress(Array(good.prefix(good.count / 2))) }
        #expect(throws: ImagingError.self) { try Gzip.decompress(Array(good.prefix(10))) }
        #expect(throws: ImagingError.self) { try Gzip.decompress(good, limit: 1000) }
    }
}
