import CLIP
import Foundation

/// The CLIP tokenizer on `--captions` synthetic captions (`CLIPTokenizer.benchmarkCaptions`) as one batch: the
/// first pass with a cold memo, then warm passes. `--dump-captions` prints the captions instead, one per line, so
/// that a reference tokenizer can time the same strings.
func benchTokenizer(_ o: BenchOptions) throws {
    let captions = CLIPTokenizer.benchmarkCaptions(count: o.captions)
    if o.dumpCaptions {
        var out = captions.joined(separator: "\n")
        out += "\n"
        FileHandle.standardOutput.write(Data(out.utf8))
        return
    }
    guard FileManager.default.fileExists(atPath: o.bpePath) else {
        throw BenchError(description: "no BPE vocabulary at \(o.bpePath) (run from the repository root or pass --bpe)")
    }
    let clock = o.clock
    var start = clock.now()
    let tokenizer = try CLIPTokenizer(bpeGzipPath: o.bpePath)
    let load = clock.now() - start
    start = clock.now()
    _ = try tokenizer.tokenize(captions)
    let cold = clock.now() - start
    let warm = try clock.measure(seconds: o.seconds, minReps: min(o.minReps, 3), warmups: 0) {
        _ = try tokenizer.tokenize(captions)
    }
    report("tokenizer \(o.captions) captions cold memo", flop: nil, [cold])
    report("tokenizer \(o.captions) captions warm memo", flop: nil, warm)
    print(
        String(
            format: "tokenizer load %.3f s; captions/s: cold %.0f, warm %.0f", load, Double(o.captions) / cold,
            Double(o.captions) / warm[0]))
}
