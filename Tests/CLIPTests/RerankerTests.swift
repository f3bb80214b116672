import Foundation
import TensorStream
import Testing

@testable import CLIP

/// Reranking: grouping, selection, and the frame step on constructed embeddings with known similarities.
@Suite struct RerankerTests {
    @Test func groupsAreRunsOfConsecutiveEqualPrompts() {
        #expect(Reranker.groups(["a", "a", "b", "b", "b", "a"]) == [0..<2, 2..<5, 5..<6])
        #expect(Reranker.groups(["a"]) == [0..<1])
        #expect(Reranker.groups([String]()) == [])
    }

    @Test func selectionKeepsTheBestOfEachGroupBestFirst() {
        let scores = [0.1, 0.9, 0.5, 0.3, 0.3, 0.8]
        let groups = [0..<3, 3..<5, 5..<6]
        #expect(Reranker.select(scores: scores, groups: groups, keep: 1) == [1, 3, 5])
        #expect(Reranker.select(scores: scores, groups: groups, keep: 2) == [1, 2, 3, 4, 5])
        #expect(Reranker.select(scores: scores, groups: groups, keep: 9) == [1, 2, 0, 3, 4, 5])
    }

    /// Item i of a 4-item frame: image at angle θᵢ to its prompt's text direction, so cosine = cos θᵢ.
    func frame() throws -> Frame {
        // prompt "a" → text (1, 0); prompt "b" → text (0, 1).
        let angles = [1.0, 0.2, 0.7, 0.1]  // cosines: 0.540, 0.980, 0.765, 0.995
        let texts: [[Double]] = [[1, 0], [1, 0], [0, 1], [0, 1]]
        var images: [Float] = []
        for (i, a) in angles.enumerated() {
            // rotate the text direction by a, and scale (cosine ignores length)
            let (c, s) = (cos(a), sin(a))
            let t = texts[i]
            images += [Float(2 * (c * t[0] - s * t[1])), Float(2 * (s * t[0] + c * t[1]))]
        }
        var frame = Frame(metadata: ["seed": "7"])
        frame["image.embed"] = try .float32(shape: [4, 2], images)
        frame["text.embed"] = try .float32(shape: [4, 2], texts.flatMap { $0.map(Float.init) })
        frame["image"] = try .float32(shape: [4, 1, 1, 2], (0..<8).map(Float.init))
        frame["id"] = try .int32(shape: [4], [10, 11, 12, 13])
        frame.setMetadataList(["a", "a", "b", "b"], for: "prompt")
        frame.setMetadataList(["0.png", "1.png", "2.png", "3.png"], for: "files")
        return frame
    }

    @Test func rankingKeepsTheRightItemsAndSlicesEverything() throws {
        let out = try FrameRanker(keep: 1).rank(frame())
        #expect(try out.tensor("id").int32s() == [11, 13])
        #expect(try out.metadataList("prompt") == ["a", "b"])
        #expect(try out.metadataList("files") == ["1.png", "3.png"])
        #expect(try out.tensor("image").floats() == [2, 3, 6, 7])
        #expect(try out.tensor("image.embed").shape == [2, 2] && out.tensor("text.embed").shape == [2, 2])
        let scores = try out.tensor("scores")
        #expect(scores.dtype == .f32 && scores.shape == [2])
        let values = try scores.floats()
        #expect(abs(Double(values[0]) - cos(0.2)) < 1e-6 && abs(Double(values[1]) - cos(0.1)) < 1e-6)
        #expect(out.metadata["seed"] == "7")

        let two = try FrameRanker(keep: 2).rank(frame())
        #expect(try two.tensor("id").int32s() == [11, 10, 13, 12])  // best first within each group
    }

    @Test func withoutPromptsGroupsAreRunsOfIdenticalTextEmbeddings() throws {
        var f = try frame()
        f.metadata["prompt"] = nil
        let out = try FrameRanker(keep: 1).rank(f)
        #expect(try out.tensor("id").int32s() == [11, 13])
    }

    @Test func promptsAreEncodedOnceEachWhenTextEmbedIsAbsent() throws {
        var f = try frame()
        f["text.embed"] = nil
        var calls: [[String]] = []
        let embed: ([String]) throws -> FeatureRows = { prompts in
            calls.append(prompts)
            return try FeatureRows(rows: prompts.map { $0 == "a" ? [3, 0] : [0, 5] })
        }
        let out = try FrameRanker(keep: 1, embedTexts: embed).rank(f)
        #expect(calls == [["a", "b"]])
        #expect(try out.tensor("id").int32s() == [11, 13])
    }

    @Test func badFramesAreErrorsNamingTheProblem() throws {
        var noText = try frame()
        noText["text.embed"] = nil
        #expect(throws: CLIPError.badInput("no 'text.embed' tensor; give --model DIR to encode the prompts")) {
            try FrameRanker(keep: 1).rank(noText)
        }
        var noImage = try frame()
        noImage["image.embed"] = nil
        noImage["image"] = nil
        #expect(throws: CLIPError.self) { try FrameRanker(keep: 1).rank(noImage) }
        var wrongCount = try frame()
        wrongCount.setMetadataList(["a"], for: "prompt")
        #expect(throws: CLIPError.badInput("metadata 'prompt' has 1 entries for a batch of 4")) {
            try FrameRanker(keep: 1).rank(wrongCount)
        }
        var ragged = try frame()
        ragged["x.other"] = try .float32(shape: [3], [1, 2, 3])
        #expect(throws: CLIPError.self) { try FrameRanker(keep: 1).rank(ragged) }
        var wide = try frame()
        wide["text.embed"] = try .float32(shape: [4, 3], Array(repeating: 1, count: 12))
        #expect(throws: CLIPError.self) { try FrameRanker(keep: 1).rank(wide) }
    }
}
