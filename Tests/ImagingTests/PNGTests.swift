import Foundation
import Testing

@testable import Imaging

@Suite struct PNGTests {
    @Test func corpusMatchesPillowExactly() throws {
        let entries = Corpus.manifest.png
        #expect(entries.count > 100)
        var failures: [String] = []
        for entry in entries {
            do {
                let image = try PNG.decode(try Corpus.bytes(entry.file))
                #expect(image.width == entry.width && image.height == entry.height, "\(entry.name)")
                for (mode, path) in entry.expected {
                    let want = try Corpus.bytes(path)
                    let got = Corpus.converted(image, mode).pixels
                    if got != want {
                        failures.append("\(entry.name) \(mode): max diff \(Corpus.maxDifference(got, want))")
                    }
                }
            } catch {
                failures.append("\(entry.name): \(error)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) mismatches:\n\(failures.joined(separator: "\n"))")
    }

    @Test(arguments: [1, 2, 3, 4])
    func encodeDecodeRoundTrip(channels: Int) throws {
        var rng = SplitMix(seed: UInt64(channels))
        for (w, h) in [(1, 1), (13, 17), (64, 3), (100, 75)] {
            var pixels = [UInt8](repeating: 0, count: w * h * channels)
            for i in pixels.indices {
                // Half smooth, half noise: exercises matches and literals.
                pixels[i] = i % 7 < 4 ? UInt8(truncatingIfNeeded: i / (channels * 3)) : UInt8(truncatingIfNeeded: rng.next())
            }
            let image = try Image(width: w, height: h, channels: channels, pixels: pixels)
            let decoded = try PNG.decode(PNG.encode(image))
            #expect(decoded == image)
        }
    }

    @Test func deflateRoundTripsEdgeCases() throws {
        var rng = SplitMix(seed: 7)
        let cases: [[UInt8]] = [
            [], [0], [UInt8](repeating: 42, count: 100_000), (0..<70_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) },
            (0..<50_000).map { UInt8(truncatingIfNeeded: $0 % 251) }, (0..<40_000).map { UInt8(truncatingIfNeeded: ($0 * $0) >> 9) },
        ]
        for data in cases {
            let z = Deflate.zlib(data)
            #expect(try Inflate.zlib(z, limit: data.count, part: "test") == data)
        }
    }

    @Test func headerErrorsNameTheChunk() throws {
        var bytes = PNG.encode(try Image(width: 3, height: 2, channels: 3))
        bytes[20] ^= 1  // inside IHDR data: CRC mismatch
        #expect(throws: ImagingError.self) { try PNG.decode(bytes) }
        do {
            _ = try PNG.decode(bytes)
        } catch let error as ImagingError {
            #expect(error.description.contains("IHDR"))
        }
    }

    @Test func hugeDeclaredSizeIsRefusedBeforeAllocating() throws {
        var bytes = PNG.encode(try Image(width: 1, height: 1, channels: 1))
        // Rewrite IHDR as 100000 x 100000 with a valid CRC.
        for (i, v) in [UInt8(0), 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0].enumerated() { bytes[16 + i] = v }
        let crc = CRC32.checksum(bytes[12..<29])
        bytes[29] = UInt8(crc >> 24)
        bytes[30] = UInt8((crc >> 16) & 255)
        bytes[31] = UInt8((crc >> 8) & 255)
        bytes[32] = UInt8(crc & 255)
        #expect(throws: ImagingError.tooLarge(format: "PNG", width: 100_000, height: 100_000)) { try PNG.decode(bytes) }
    }
}

/// A tiny deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
