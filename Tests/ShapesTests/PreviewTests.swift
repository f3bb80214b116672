import Foundation
import Testing

@testable import Shapes

/// Opt-in: `SHAPES_PREVIEW=/tmp/dir swift test --filter PreviewTests` writes a 4×4 grid of 128×128 train
/// scenes as a PPM plus their captions, for looking at the data set.
@Suite struct PreviewTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SHAPES_PREVIEW"] != nil))
    func writePreviewGrid() throws {
        let directory = ProcessInfo.processInfo.environment["SHAPES_PREVIEW"] ?? "/tmp"
        let tile = 128
        let side = tile * 4
        let split = Split(rawValue: ProcessInfo.processInfo.environment["SHAPES_SPLIT"] ?? "train") ?? .train
        var grid = [UInt8](repeating: 0, count: side * side * 3)
        var captions = ""
        for index in 0..<16 {
            let scene = Scene(seed: UInt64(index), split: split)
            let pixels = scene.render(size: tile)
            let ox = (index % 4) * tile
            let oy = (index / 4) * tile
            for y in 0..<tile {
                for x in 0..<tile {
                    for c in 0..<3 { grid[((oy + y) * side + ox + x) * 3 + c] = pixels[(y * tile + x) * 3 + c] }
                }
            }
            captions += "\(index)\t\(scene.caption)\n"
        }
        let header = Array("P6\n\(side) \(side)\n255\n".utf8)
        try Data(header + grid).write(to: URL(fileURLWithPath: directory + "/preview-\(split).ppm"))
        try captions.write(toFile: directory + "/preview-\(split).txt", atomically: true, encoding: .utf8)
    }
}
