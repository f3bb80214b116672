import Foundation
import Testing

/// `unclip-check`: the pixel checker as a stage at the end of a pipe.
@Suite struct CheckStageTests {
    @Test func rendersOfTheirOwnCaptionsAreRight() throws {
        let r = try Shell.run("unclip-shapes --count 12 --batch 5 --objects 1 --split test | unclip-check --items")
        #expect(r.status == 0, "\(r.stderr)")
        let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        // 12 items of 9 columns, then colour, shape, all and (where asked) position and background.
        #expect((12 + 3...12 + 5).contains(lines.count), "\(lines)")
        #expect(lines.prefix(12).allSatisfy { $0.split(separator: "\t").count == 9 }, "\(lines)")
        #expect(lines.first?.hasPrefix("0\t0\t1\t1\t") == true, "\(lines)")
        #expect(lines.contains("colour\t1.000\t12/12"))
        #expect(lines.contains("all\t1.000\t12/12"))
        let background = lines.first { $0.hasPrefix("background\t") }
        #expect(background?.hasPrefix("background\t1.000\t") == true, "\(lines)")
    }

    @Test func framesWithoutPromptsOrImagesAreRefused() throws {
        let noPrompt = try Shell.run("unclip-shapes --count 2 | unclip-tensors drop image | unclip-check")
        #expect(noPrompt.status == 1)
        #expect(noPrompt.stderr.hasPrefix("unclip-check: frame 0 has no tensor 'image'"), "\(noPrompt.stderr)")
        let truncated = try Shell.run("unclip-shapes --count 2 | head -c 300 | unclip-check")
        #expect(truncated.status == 1)
        #expect(truncated.stdout.isEmpty)
        #expect(truncated.stderr.split(separator: "\n").count == 1, "\(truncated.stderr)")
    }
}
