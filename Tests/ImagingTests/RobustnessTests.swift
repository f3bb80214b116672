import Foundation
import Testing

@testable import Imaging

/// Corrupt and truncated files must fail with an `ImagingError`, never crash or hang.
@Suite struct RobustnessTests {
    static let samples = [
        "png/rgb8_13x17.png", "png/palette4_adam7_33x19.png", "png/grey16_adam7_13x17.png",
        "jpeg/baseline_420_33x19.jpg", "jpeg/progressive_422_33x19.jpg", "jpeg/restart_420_56x40.jpg",
    ]

    @Test(arguments: samples)
    func everyTruncationIsAnError(file: String) throws {
        let bytes = try Corpus.bytes(file)
        _ = try ImageDecoder.decode(bytes, source: file)
        var decodedPrefixes: [Int] = []
        for length in 0..<bytes.count {
            do {
                _ = try ImageDecoder.decode(Array(bytes[0..<length]), source: file)
                decodedPrefixes.append(length)
            } catch let error as ImagingError {
                #expect(!error.description.isEmpty)
            }
        }
        #expect(decodedPrefixes.isEmpty, "\(file) decoded when cut to \(decodedPrefixes) bytes")
    }

    @Test(arguments: samples)
    func randomByteFlipsNeverCrash(file: String) throws {
        let bytes = try Corpus.bytes(file)
        var rng = SplitMix(seed: UInt64(bytes.count))
        var errors = 0, decoded = 0
        for _ in 0..<1500 {
            var mutated = bytes
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let i = Int(rng.next() % UInt64(mutated.count))
                mutated[i] ^= UInt8(truncatingIfNeeded: 1 + rng.next() % 255)
            }
            do {
                let image = try ImageDecoder.decode(mutated, source: file)
                #expect(image.pixels.count == image.width * image.height * image.channels)
                decoded += 1
            } catch is ImagingError {
                errors += 1
            }
        }
        // PNG carries CRCs, so nearly every flip is caught; JPEG has no checksums and often still decodes.
        if file.hasSuffix(".png") { #expect(errors > 1400) }
        #expect(errors + decoded == 1500)
    }

    @Test func errorsNameWhatAndWhere() throws {
        let png = try Corpus.bytes("png/rgb8_13x17.png")
        do {
            _ = try ImageDecoder.decode(Array(png[0..<60]), source: "cut.png")
            Issue.record("expected an error")
        } catch let error as ImagingError {
            #expect(error.description.hasPrefix("cut.png: PNG: truncated in chunk"))
        }
        do {
            _ = try ImageDecoder.decode([1, 2, 3], source: "junk")
            Issue.record("expected an error")
        } catch let error as ImagingError {
            #expect(error == .inSource("junk", .unknownFormat))
        }
        let jpeg = try Corpus.bytes("jpeg/baseline_444_17x13.jpg")
        do {
            _ = try JPEG.decode(Array(jpeg[0..<(jpeg.count - 40)]))
            Issue.record("expected an error")
        } catch let error as ImagingError {
            #expect(error.description.contains("JPEG: truncated in scan data"), "\(error)")
        }
    }

    @Test func unsupportedJPEGsSayWhy() throws {
        var jpeg = try Corpus.bytes("jpeg/baseline_444_17x13.jpg")
        // Turn SOF0 into SOF9 (arithmetic coding).
        guard let sof = (0..<(jpeg.count - 1)).first(where: { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 }) else {
            Issue.record("no SOF0")
            return
        }
        jpeg[sof + 1] = 0xC9
        #expect(throws: ImagingError.unsupported(
            format: "JPEG", part: "SOF9", reason: "only baseline, extended and progressive Huffman JPEGs are decoded")) {
            try JPEG.decode(jpeg)
        }
    }

    @Test func jpegDeclaringHugeSizeIsRefusedBeforeAllocating() throws {
        var jpeg = try Corpus.bytes("jpeg/baseline_444_17x13.jpg")
        guard let sof = (0..<(jpeg.count - 1)).first(where: { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 }) else {
            Issue.record("no SOF0")
            return
        }
        // 16000 x 16000 needs millions of blocks; the file has a few hundred bytes.
        jpeg[sof + 5] = 0x3E
        jpeg[sof + 6] = 0x80
        jpeg[sof + 7] = 0x3E
        jpeg[sof + 8] = 0x80
        #expect(throws: ImagingError.self) { try JPEG.decode(jpeg) }
    }
}
