import Dispatch

extension CLIPTokenizer {
    /// `count` varied captions from a fixed seed (colors, objects, relations, counts, some punctuation and
    /// accents), for timing the tokenizer; the same seed gives the same captions.
    public static func benchmarkCaptions(count: Int, seed: UInt64 = 1) -> [String] {
        let adjectives = ["red", "green", "blue", "tiny", "huge", "shiny", "wooden", "striped", "old", "café-style"]
        let nouns = ["cube", "sphere", "cat", "dog", "astronaut", "teapot", "bicycle", "lighthouse", "cactus", "robot"]
        let relations = ["next to", "on top of", "under", "behind", "in front of", "left of", "right of", "inside"]
        let styles = [
            "", ", oil painting", ", 4k photo", " (digital art)", "; watercolor!", ", trending on artstation",
        ]
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        return (0..<count).map { i in
            let a = "\(adjectives[next(10)]) \(nouns[next(10)])"
            let b = "\(adjectives[next(10)]) \(nouns[next(10)])"
            return "A photo of \(next(9) + 1) \(a)s \(relations[next(8)]) a \(b) #\(i)\(styles[next(6)])"
        }
    }

    /// Tokenizes `texts` as one batch and returns captions per second (wall clock). The memo is kept warm
    /// across calls, as in a long-running stage.
    public func captionsPerSecond(_ texts: [String]) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try tokenize(texts)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(texts.count) / max(seconds, 1e-9)
    }
}
