import Foundation
import Testing

@testable import Imaging

@Suite struct JPEGTests {
    /// libjpeg-turbo (through Pillow) is the reference; the issue allows one level per channel.
    @Test func corpusMatchesPillowWithinOneLevel() throws {
        let entries = Corpus.manifest.jpeg
        #expect(entries.count > 40)
        var failures: [String] = []
        var worst = 0, exact = 0, total = 0
        for entry in entries {
            do {
                let image = try JPEG.decode(try Corpus.bytes(entry.file))
                #expect(image.width == entry.width && image.height == entry.height, "\(entry.name)")
                for (mode, path) in entry.expected {
                    let want = try Corpus.bytes(path)
                    let got = Corpus.converted(image, mode).pixels
                    let d = Corpus.maxDifference(got, want)
                    worst = max(worst, d)
                    total += 1
                    if d == 0 { exact += 1 }
                    if d > 1 { failures.append("\(entry.name) \(mode): max diff \(d)") }
                }
            } catch {
                failures.append("\(entry.name): \(error)")
            }
        }
        print("JPEG corpus: \(exact) of \(total) comparisons exact, max difference \(worst)")
        #expect(failures.isEmpty, "\(failures.count) mismatches:\n\(failures.joined(separator: "\n"))")
    }
}
