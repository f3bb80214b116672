import Foundation
import Testing

@testable import TensorStream

/// A Python interpreter with `safetensors` and `numpy`, found once: `$UNCLIP_PYTHON`, the reference env at
/// `~/.unclip-refenv`, then `python3` on the PATH. The interop tests skip, with that message, where none has both.
enum PythonReference {
    static let interpreter: String? = {
        var candidates: [String] = []
        let environment = ProcessInfo.processInfo.environment
        if let chosen = environment["UNCLIP_PYTHON"] { candidates.append(chosen) }
        candidates.append(NSHomeDirectory() + "/.unclip-refenv/bin/python")
        candidates.append("/usr/bin/env")  // python3 from PATH
        for candidate in candidates {
            let arguments = candidate == "/usr/bin/env" ? ["python3"] : []
            if let result = try? run(candidate, arguments + ["-c", "import safetensors, numpy"]), result.status == 0 {
                return candidate == "/usr/bin/env" ? "python3" : candidate
            }
        }
        print("PythonInteropTests: skipped, no python3 with safetensors and numpy (pip install safetensors numpy)")
        return nil
    }()

    static var available: Bool { interpreter != nil }

    /// Runs the interpreter on a script; returns status and combined output.
    static func python(_ script: String, _ arguments: [String] = []) throws -> (status: Int32, output: String) {
        guard let interpreter else { return (127, "no python") }
        if interpreter == "python3" { return try run("/usr/bin/env", ["python3", "-c", script] + arguments) }
        return try run(interpreter, ["-c", script] + arguments)
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

@Suite(.enabled(if: PythonReference.available, "python3 with safetensors and numpy not found"))
struct PythonInteropTests {
    func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "/tensorstream-\(getpid())-\(name).safetensors"
    }

    @Test func pythonReadsAFrameWrittenBySwift() throws {
        var frame = Frame(metadata: [
            "prompt": "[\"a \\\"cat\\\"\"]", "seed": "18446744073709551615", "provenance": "a 1\nb 2",
        ])
        frame["f32"] = try .float32(shape: [2, 3], [0, 1.5, -2, 3.25, 1e-8, -0.0])
        frame["f64"] = try .float64(shape: [2], [Double.pi, -1e300])
        frame["i32"] = try .int32(shape: [1, 4], [49406, -1, 0, Int32.max])
        frame["i64"] = try .int64(shape: [], [Int64.min])
        frame["u8"] = try .uint8(shape: [3], [0, 128, 255])
        frame["empty"] = try .float32(shape: [0, 5], [])
        frame["bool"] = try .bool(shape: [2, 2], [true, false, false, true])
        frame["f16"] = try TensorBlob(dtype: .f16, shape: [2], bytes: [0x00, 0x3c, 0x00, 0xc0])  // 1, -2
        frame["caf\u{e9}"] = try .int32(shape: [1], [7])
        let path = temporaryPath("swift-written")
        defer { unlink(path) }
        try frame.write(to: path)

        let script = """
            import sys, numpy as np
            from safetensors import safe_open
            from safetensors.numpy import load_file
            t = load_file(sys.argv[1])
            with safe_open(sys.argv[1], framework="numpy") as f:
                meta = f.metadata()
                names = list(f.keys())
            def check(name, dtype, shape, values):
                a = t[name]
                assert a.dtype == np.dtype(dtype), (name, a.dtype)
                assert a.shape == shape, (name, a.shape)
                assert a.ravel().tolist() == values, (name, a.ravel().tolist(), values)
            check("f32", "float32", (2, 3), np.array([0, 1.5, -2, 3.25, 1e-8, -0.0], dtype=np.float32).tolist())
            check("f64", "float64", (2,), [np.pi, -1e300])
            check("i32", "int32", (1, 4), [49406, -1, 0, 2**31 - 1])
            check("i64", "int64", (), [-2**63])
            check("u8", "uint8", (3,), [0, 128, 255])
            check("empty", "float32", (0, 5), [])
            check("bool", "bool", (2, 2), [True, False, False, True])
            check("f16", "float16", (2,), [1.0, -2.0])
            check("caf\\u00e9", "int32", (1,), [7])
            assert sorted(names) == sorted(["f32", "f64", "i32", "i64", "u8", "empty", "bool", "f16", "caf\\u00e9"]), names
            assert meta == {"format": "unclip.tensor-stream/1.0", "prompt": '["a \\\\"cat\\\\""]',
                            "seed": "18446744073709551615", "provenance": "a 1\\nb 2"}, meta
            print("python read ok")
            """
        let result = try PythonReference.python(script, [path])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func swiftReadsAFileWrittenByPython() throws {
        let path = temporaryPath("python-written")
        defer { unlink(path) }
        let script = """
            import sys, numpy as np
            from safetensors.numpy import save_file
            save_file({
                "image": (np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4) / 8 - 1),
                "tokens": np.array([[49406, 320, 49407]], dtype=np.int32),
                "ids": np.array([-5, 2**40], dtype=np.int64),
                "half": np.array([0.5, -4, 65504], dtype=np.float16),
                "double": np.array([0.1], dtype=np.float64),
                "mask": np.array([True, False, True]),
                "nothing": np.zeros((0, 3), dtype=np.float32),
                "u16": np.array([65535, 1], dtype=np.uint16),
            }, sys.argv[1], metadata={"seed": "7", "prompt": '["x"]'})
            """
        let result = try PythonReference.python(script, [path])
        try #require(result.status == 0, "\(result.output)")

        let frame = try Frame(contentsOf: path)
        #expect(frame.metadata == ["seed": "7", "prompt": "[\"x\"]"])  // no format key: a plain safetensors file
        #expect(Set(frame.names) == ["image", "tokens", "ids", "half", "double", "mask", "nothing", "u16"])
        let image = try #require(frame["image"])
        #expect(image.dtype == .f32 && image.shape == [1, 2, 3, 4])
        #expect(try image.floats() == (0..<24).map { Float($0) / 8 - 1 })
        #expect(try frame["tokens"]?.int64s() == [49406, 320, 49407])
        #expect(frame["tokens"]?.dtype == .i32)
        #expect(try frame["ids"]?.int64s() == [-5, 1 << 40])
        #expect(try frame["half"]?.floats() == [0.5, -4, 65504])
        #expect(try frame["double"]?.floats() == [0.1])
        #expect(try frame["mask"]?.bools() == [true, false, true])
        #expect(frame["nothing"]?.shape == [0, 3])
        #expect(try frame["u16"]?.int64s() == [65535, 1])

        // The same file is a one-frame stream.
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        var reader = FrameReader(fileDescriptor: fd, sourceName: path)
        #expect(try reader.next() == frame)
        #expect(try reader.next() == nil)
    }

    @Test func pythonAcceptsAndRefusesTheVectorsAsTheManifestSays() throws {
        let checker = VectorTests.vectorsDirectory.appendingPathComponent("check_python.py").path
        let result = try PythonReference.python(
            "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')", [checker])
        #expect(result.status == 0, "\(result.output)")
    }
}
