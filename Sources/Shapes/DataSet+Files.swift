import Imaging

/// What `unclip-shapes --out DIR` writes: one PNG per scene and a `captions.tsv` that lists them.
extension DataSet {
    /// The header line of `captions.tsv` (tab-separated, no trailing newline).
    public static let captionsHeader = "file\tcaption\tattributes"

    /// The file name of scene `index`: its index, zero-padded to six digits, e.g. `000042.png`.
    public func fileName(at index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".png"
    }

    /// The `captions.tsv` line of scene `index`: file name, caption, attributes JSON (no tabs or newlines occur
    /// in either, so the line needs no quoting).
    public func captionsLine(at index: Int, scene: Scene) -> String {
        "\(fileName(at: index))\t\(caption(for: scene))\t\(scene.attributesJSON)"
    }
}

extension Scene {
    /// The scene rendered at `size` × `size` as PNG file bytes (8-bit RGB).
    public func png(size: Int) throws -> [UInt8] {
        PNG.encode(try Image(width: size, height: size, channels: 3, pixels: render(size: size)))
    }
}
