import Foundation

@testable import Imaging

/// The committed corpus under `Tests/Fixtures/images/`, made by `make_corpus.py` with Pillow and PyTorch.
enum Corpus {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/images").standardized

    struct Entry: Decodable {
        var file: String
        var name: String
        var width: Int
        var height: Int
        var pillowMode: String
        var expected: [String: String]
        var note: String
    }

    struct ResizeCase: Decodable {
        var name: String
        var `in`: [Int]
        var out: [Int]
        var input: String
        var output: String
    }

    struct Manifest: Decodable {
        var png: [Entry]
        var jpeg: [Entry]
        var resize: [ResizeCase]
    }

    static let manifest: Manifest = {
        do {
            let data = try Data(contentsOf: root.appendingPathComponent("manifest.json"))
            return try JSONDecoder().decode(Manifest.self, from: data)
        } catch {
            print("corpus manifest unreadable: \(error)")
            return Manifest(png: [], jpeg: [], resize: [])
        }
    }()

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(relative)))
    }

    static func floats(_ relative: String) throws -> [Float] {
        let b = try bytes(relative)
        return stride(from: 0, to: b.count - 3, by: 4).map {
            Float(bitPattern: UInt32(b[$0]) | UInt32(b[$0 + 1]) << 8 | UInt32(b[$0 + 2]) << 16 | UInt32(b[$0 + 3]) << 24)
        }
    }

    /// The image converted the way Pillow's `convert(mode)` does for the modes the corpus stores.
    static func converted(_ image: Image, _ mode: String) -> Image {
        switch mode {
        case "L": return image.grey()
        case "RGBA": return image.rgba()
        default: return image.rgb()
        }
    }

    /// Largest absolute difference between two byte buffers (Int.max when the sizes differ).
    static func maxDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
        guard a.count == b.count else { return Int.max }
        var m = 0
        for i in a.indices { m = max(m, abs(Int(a[i]) - Int(b[i]))) }
        return m
    }
}
