import Foundation

/// The options of every `unclip-bench` subcommand, parsed once; each subcommand reads the ones it uses.
struct BenchOptions {
    var m = 1024, n = 1024, k = 1024
    var ta = false, tb = false, prepacked = false
    var seconds = 0.5
    var minReps = 5
    var batch = 2, channels = 320, height = 64, width = 64, outChannels = 320, kernel = 3, stride = 1, pad = -1
    var heads = 32, tq = 81, tk = 81, headDim = 64, causal = false, groups = 32
    /// `--cpu-time` (or `UNCLIP_BENCH_CPUTIME=1`): time the calling thread's CPU time instead of wall time.
    var cpuTime = ProcessInfo.processInfo.environment["UNCLIP_BENCH_CPUTIME"] == "1"
    /// Model cases: `clip --image-batch`, `--text-batch`.
    var imageBatch = 1, textBatch = 8
    /// `clip --tower image|text|both`.
    var tower = "both"
    /// Model cases: `prior --scale`, the fraction of Karlo's layers and heads kept (1 = full size).
    var scale = 1.0
    /// Model cases: `decoder --config decoder|decoder_half`, `superres` uses `super_res`.
    var unetConfig = "decoder"
    /// Model cases: the folder of Karlo's UNet configs.
    var unetConfigDirectory = "Tests/Fixtures/unet/karlo"
    /// `--warmups`: untimed runs before timing (default 2 for kernels, 1 for models).
    var warmups: Int? = nil
    /// `tokenizer --bpe PATH`, `--captions N`, `--dump-captions`.
    var bpePath = "Tests/Fixtures/clip/bpe_simple_vocab_16e6.txt.gz"
    var captions = 100_000
    var dumpCaptions = false

    var clock: BenchClock { BenchClock(threadCPUTime: cpuTime) }
}

extension BenchOptions {
    /// Parses `--name value` pairs and flags; every value is checked here, with the option named in the error.
    init(parsing args: ArraySlice<String>) throws {
        self.init()
        var it = args.makeIterator()
        func value(_ name: String) throws -> String {
            guard let s = it.next() else { throw BenchError(description: "\(name) needs a value") }
            return s
        }
        func int(_ name: String) throws -> Int {
            guard let v = Int(try value(name)), v > 0 else {
                throw BenchError(description: "\(name) needs a positive integer")
            }
            return v
        }
        while let a = it.next() {
            switch a {
            case "--size": let v = try int(a); m = v; n = v; k = v
            case "--m": m = try int(a)
            case "--n": n = try int(a)
            case "--k": k = try int(a)
            case "--ta": ta = true
            case "--tb": tb = true
            case "--prepacked": prepacked = true
            case "--reps": minReps = try int(a)
            case "--batch": batch = try int(a)
            case "--c": channels = try int(a)
            case "--h": height = try int(a)
            case "--w": width = try int(a)
            case "--o": outChannels = try int(a)
            case "--kernel": kernel = try int(a)
            case "--stride": stride = try int(a)
            case "--pad":
                guard let v = Int(try value(a)), v >= 0 else {
                    throw BenchError(description: "--pad needs an integer ≥ 0")
                }
                pad = v
            case "--heads": heads = try int(a)
            case "--tq": tq = try int(a)
            case "--tk": tk = try int(a)
            case "--d": headDim = try int(a)
            case "--groups": groups = try int(a)
            case "--causal": causal = true
            case "--cpu-time": cpuTime = true
            case "--image-batch": imageBatch = try int(a)
            case "--text-batch": textBatch = try int(a)
            case "--tower":
                let v = try value(a)
                guard ["image", "text", "both"].contains(v) else {
                    throw BenchError(description: "--tower must be image, text or both, not \(v)")
                }
                tower = v
            case "--captions": captions = try int(a)
            case "--dump-captions": dumpCaptions = true
            case "--bpe": bpePath = try value(a)
            case "--config":
                let v = try value(a)
                guard !v.isEmpty, !v.contains("/") else {
                    throw BenchError(description: "--config names NAME.json in --config-dir, not '\(v)'")
                }
                unetConfig = v
            case "--config-dir": unetConfigDirectory = try value(a)
            case "--warmups":
                guard let v = Int(try value(a)), v >= 0 else {
                    throw BenchError(description: "--warmups needs an integer ≥ 0")
                }
                warmups = v
            case "--scale":
                guard let v = Double(try value(a)), v > 0, v <= 1 else {
                    throw BenchError(description: "--scale needs a number in (0, 1]")
                }
                scale = v
            case "--seconds":
                guard let v = Double(try value(a)), v >= 0 else {
                    throw BenchError(description: "--seconds needs a number ≥ 0")
                }
                seconds = v
            default: throw BenchError(description: "unknown option \(a)")
            }
        }
    }
}
