/// A contact sheet: the first scenes of a data set side by side, for looking at the data.
extension DataSet {
    /// Renders up to `columns × rows` scenes (fewer if the set is smaller) into one 8-bit RGB grid, row-major and
    /// interleaved, each `tileSize` pixels square, in scene order left to right, top to bottom.
    public func contactSheet(tileSize: Int, columns: Int, rows: Int) -> (pixels: [UInt8], width: Int, height: Int) {
        let tiles = min(count, max(columns, 0) * max(rows, 0))
        guard tileSize > 0, tiles > 0 else { return ([], 0, 0) }
        let width = tileSize * columns
        let height = tileSize * ((tiles + columns - 1) / columns)
        var sheet = [UInt8](repeating: 0, count: width * height * 3)
        for index in 0..<tiles {
            let tile = scene(at: index).render(size: tileSize)
            let ox = (index % columns) * tileSize
            let oy = (index / columns) * tileSize
            for y in 0..<tileSize {
                let source = y * tileSize * 3
                let target = ((oy + y) * width + ox) * 3
                sheet.replaceSubrange(target..<(target + tileSize * 3), with: tile[source..<(source + tileSize * 3)])
            }
        }
        return (sheet, width, height)
    }
}
