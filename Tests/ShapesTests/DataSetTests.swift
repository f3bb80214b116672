import Foundation
import Imaging
import Testing

@testable import Shapes

@Suite struct DataSetTests {
    @Test func seedsBatchesAndNames() {
        let set = DataSet(firstSeed: UInt64.max - 1, count: 5, split: .test)
        #expect(set.seed(at: 0) == UInt64.max - 1 && set.seed(at: 2) == 0)
        #expect(set.batches(of: 2) == [0..<2, 2..<4, 4..<5])
        #expect(set.batches(of: 0) == [0..<1, 1..<2, 2..<3, 3..<4, 4..<5])
        #expect(DataSet(count: -3).count == 0 && DataSet(count: 0).batches(of: 4).isEmpty)
        #expect(set.fileName(at: 42) == "000042.png" && set.fileName(at: 1_234_567) == "1234567.png")
        #expect(set.scene(at: 3) == Scene(seed: 1, split: .test))
    }

    @Test func captionsLineIsThreeColumnsOfJSON() throws {
        let set = DataSet(count: 20, split: .heldout, captionVariant: 2)
        for index in 0..<set.count {
            let scene = set.scene(at: index)
            let columns = set.captionsLine(at: index, scene: scene).split(
                separator: "\t", omittingEmptySubsequences: false)
            #expect(columns.count == 3)
            #expect(String(columns[1]) == scene.caption(variant: 2))
            let decoded = try JSONDecoder().decode(Scene.self, from: Data(columns[2].utf8))
            #expect(decoded == scene)
        }
    }

    @Test func contactSheetTilesScenesInOrder() {
        let set = DataSet(count: 5)
        let sheet = set.contactSheet(tileSize: 16, columns: 2, rows: 3)
        #expect(sheet.width == 32 && sheet.height == 48)
        let third = set.scene(at: 2).render(size: 16)
        // Tile 2 is the first of the second row.
        for y in 0..<16 {
            let row = Array(sheet.pixels[((16 + y) * 32) * 3..<((16 + y) * 32 + 16) * 3])
            #expect(row == Array(third[(y * 16 * 3)..<((y + 1) * 16 * 3)]))
        }
        #expect(set.contactSheet(tileSize: 0, columns: 2, rows: 2).width == 0)
    }

    @Test func pngHoldsTheRender() throws {
        let scene = Scene(seed: 4, split: .train)
        let bytes = try scene.png(size: 32)
        let image = try PNG.decode(bytes)
        #expect(image.width == 32 && image.height == 32 && image.channels == 3)
        #expect(image.pixels == scene.render(size: 32))
    }
}
