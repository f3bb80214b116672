import Foundation
import Testing

@testable import Imaging

/// PNGs written by `PNG.encode` must open in Pillow with identical pixels. Needs a Python with Pillow and NumPy
/// (`$UNCLIP_PYTHON`, else `~/.unclip-refenv/bin/python`, else `python3`); skipped with a message otherwise.
@Suite struct PillowInteropTests {
    static func python() -> String? {
        var candidates: [String] = []
        if let p = ProcessInfo.processInfo.environment["UNCLIP_PYTHON"] { candidates.append(p) }
        candidates.append(NSHomeDirectory() + "/.unclip-refenv/bin/python")
        candidates += ["/usr/bin/python3", "/usr/local/bin/python3"]
        for p in candidates where FileManager.default.isExecutableFile(atPath: p) {
            if run(p, ["-c", "import PIL, numpy"]).status == 0 { return p }
        }
        return nil
    }

    static func run(_ exe: String, _ args: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = args
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func pillowReadsOurPNGs() throws {
        guard let python = Self.python() else {
            print("SKIPPED pillowReadsOurPNGs: no Python with Pillow and NumPy found (set UNCLIP_PYTHON)")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("imaging-interop-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SplitMix(seed: 11)
        var names: [String] = []
        for (i, (w, h, c)) in [(1, 1, 1), (17, 13, 1), (33, 19, 2), (64, 48, 3), (300, 7, 3), (5, 200, 4), (97, 61, 4)].enumerated() {
            let pixels = (0..<(w * h * c)).map { k in
                k % 5 < 3 ? UInt8(truncatingIfNeeded: k / 3) : UInt8(truncatingIfNeeded: rng.next())
            }
            let image = try Image(width: w, height: h, channels: c, pixels: pixels)
            let name = "img\(i)"
            try Data(PNG.encode(image)).write(to: dir.appendingPathComponent(name + ".png"))
            try Data(pixels).write(to: dir.appendingPathComponent(name + ".raw"))
            names.append("\(name):\(w):\(h):\(c)")
        }
        let script = """
            import sys, numpy as np
            from PIL import Image
            d = sys.argv[1]
            for spec in sys.argv[2:]:
                name, w, h, c = spec.split(':'); w, h, c = int(w), int(h), int(c)
                im = Image.open(f'{d}/{name}.png'); im.load()
                want = np.fromfile(f'{d}/{name}.raw', dtype=np.uint8).reshape((h, w, c) if c > 1 else (h, w))
                got = np.asarray(im)
                assert im.mode == {1: 'L', 2: 'LA', 3: 'RGB', 4: 'RGBA'}[c], (name, im.mode)
                assert got.shape == want.shape and (got == want).all(), name
            print('ok', len(sys.argv) - 2)
            """
        let result = Self.run(python, ["-c", script, dir.path] + names)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.hasPrefix("ok 7"), "\(result.output)")
    }
}
