import Foundation
import Testing

@testable import CLIP

/// Opt-in: `UNCLIP_BENCH=1 swift test -c release --filter TokenizerSpeedTests`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["UNCLIP_BENCH"] != nil, "set UNCLIP_BENCH=1 to run"))
struct TokenizerSpeedTests {
    @Test func hundredThousandCaptions() throws {
        let start = Date()
        let tokenizer = try CLIPTokenizer(bpeGzipPath: Fixtures.bpePath)
        let load = Date().timeIntervalSince(start)
        let captions = CLIPTokenizer.benchmarkCaptions(count: 100_000)
        let cold = try tokenizer.captionsPerSecond(captions)
        let warm = try tokenizer.captionsPerSecond(captions)
        let fixture = try Fixtures.cases().map(\.text)
        let varied = try CLIPTokenizer(bpeGzipPath: Fixtures.bpePath).captionsPerSecond(fixture)
        print(
            String(
                format:
                    "tokenizer: load %.2f s; 100k captions: %.0f/s cold memo, %.0f/s warm; fixture (%d varied strings): %.0f/s",
                load, cold, warm, fixture.count, varied))
        #expect(cold > 20_000)
    }
}
