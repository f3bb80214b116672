import Foundation
import Testing

@testable import CLIP

/// The trainer's merges load through the same tokenizer code and compress the corpus.
@Suite struct BPETrainerTests {
    static let corpus: [String] = {
        let colors = ["red", "green", "blue", "yellow", "purple"]
        let shapes = ["cube", "sphere", "cylinder", "cone", "torus"]
        var out: [String] = []
        for (i, c) in colors.enumerated() {
            for (j, s) in shapes.enumerated() {
                out.append("a \(c) \(s) next to a \(colors[(i + j) % 5]) \(shapes[(i + 2 * j) % 5])")
            }
        }
        return out
    }()

    @Test func trainedMergesLoadAndShortenText() throws {
        let merges = BPETrainer(mergeCount: 40).train(on: Self.corpus)
        #expect(merges.count == 40)
        let t = try CLIPTokenizer(merges: merges, source: "trained")
        // CLIP's layout: 256 bytes, 256 bytes with </w>, one symbol per merge, then start and end.
        #expect(t.vocabularySize == 512 + 40 + 2)
        #expect(t.startID == 552 && t.endID == 553)
        let ids = t.encode("a red cube next to a blue sphere")
        #expect(ids.count < "a red cube next to a blue sphere".utf8.count / 2)
        #expect(t.decode(ids) == "a red cube next to a blue sphere ")
        // Unseen text still tokenizes, down to single bytes.
        #expect(t.decode(t.encode("Zebra 🦓")) == "zebra 🦓 ")
    }

    @Test func deterministicAndRoundTripsThroughAFile() throws {
        let a = BPETrainer(mergeCount: 40).train(on: Self.corpus)
        let b = BPETrainer(mergeCount: 40).train(on: Self.corpus.reversed())
        #expect(a.map { "\($0.0) \($0.1)" } == b.map { "\($0.0) \($0.1)" })
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trained-\(getpid()).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try BPETrainer.mergesFileText(a).write(toFile: path, atomically: true, encoding: .utf8)
        let fromFile = try CLIPTokenizer(mergesPath: path)
        let inMemory = try CLIPTokenizer(merges: a)
        for text in Self.corpus { #expect(fromFile.encode(text) == inMemory.encode(text)) }
    }

    @Test func stopsWhenNothingRepeats() {
        let merges = BPETrainer(mergeCount: 1000, minimumFrequency: 2).train(on: ["ab ab", "cd"])
        #expect(merges.map { "\($0.0) \($0.1)" } == ["a b</w>"])
    }
}
