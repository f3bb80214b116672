// unclip-bench: times TensorCore kernels and whole models (random weights) in the release build.
//   unclip-bench gemm --size N            one square product C = A·B
//   unclip-bench gemm --m M --n N --k K [--ta] [--tb] [--prepacked]
//                                         (--prepacked: B packed once beforehand, as Linear weights are)
//   unclip-bench gemm-table               the standard shapes (squares 256–2048, model shapes)
//   unclip-bench conv --batch 2 --c 320 --h 64 --w 64 --o 320 --kernel 3 [--stride 1] [--pad 1]
//   unclip-bench attention --batch 2 --heads 32 --tq 81 --tk 81 --d 64 [--causal]
//   unclip-bench groupnorm --batch 2 --c 320 --h 64 --w 64 [--groups 32]
//   unclip-bench clip [--image-batch 1] [--text-batch 8]     CLIP ViT-B/32, image and text towers
//   unclip-bench prior [--scale 1]                           Karlo prior (1.02 B), batch 2
//   unclip-bench decoder [--config decoder|decoder_half]     Karlo decoder UNet, 64×64, batch 2
//   unclip-bench unet-train --config-dir DIR --config NAME [--batch B]   one AdamW training step of a UNet
//   unclip-bench superres                                    Karlo super-res UNet, 256×256, batch 1
//   unclip-bench tokenizer [--captions 100000] [--bpe PATH] [--dump-captions]
//   unclip-bench ar-prior                                    AR prior at paper sizes, one guided sample
//   unclip-bench shapes                                      synthetic scenes: render, check, caption
// Common options: --reps R (at least R timed runs, default 5), --seconds S (keep timing until S s, default 0.5),
// --warmups W (untimed runs first; 2 for kernels, 1 for models), --cpu-time (the calling thread's CPU time).
// Output: one line per case, `name  n=runs  best_ms median_ms  best_GFLOP/s median_GFLOP/s` (nan: FLOP unknown).
// Model paths (--config-dir, --bpe) default to the repository's fixtures, relative to the working directory.
// Threads: UNCLIP_THREADS, else all cores. `bin/bench-compare` runs the same cases through PyTorch.
import Foundation
import TensorCore

let usage =
    "usage: unclip-bench gemm|gemm-table|conv|attention|groupnorm|clip|prior|decoder|superres|unet-train|tokenizer|ar-prior|shapes [options]"
let args = CommandLine.arguments
do {
    guard args.count >= 2 else { throw BenchError(description: usage) }
    let o = try BenchOptions(parsing: args.dropFirst(2))
    FileHandle.standardError.write(Data("unclip-bench: \(ThreadPool.shared.threadCount) threads\n".utf8))
    switch args[1] {
    case "gemm": try benchGEMM(m: o.m, n: o.n, k: o.k, ta: o.ta, tb: o.tb, prepacked: o.prepacked, o)
    case "gemm-table":
        for s in gemmTableShapes { try benchGEMM(m: s.m, n: s.n, k: s.k, ta: s.ta, tb: s.tb, o) }
    case "conv": try benchConv(o)
    case "attention": try benchAttention(o)
    case "groupnorm": try benchGroupNorm(o)
    case "clip": try benchCLIP(o)
    case "prior": try benchPrior(o)
    case "decoder":
        guard o.unetConfig != "super_res" else { throw BenchError(description: "use `superres` for super_res") }
        try benchUNet(o, name: o.unetConfig)
    case "superres": try benchUNet(o, name: "super_res")
    case "unet-train": try benchUNetTraining(o)
    case "tokenizer": try benchTokenizer(o)
    case "ar-prior": try benchARPrior(o)
    case "shapes": try benchShapes(o)
    case "-h", "--help": print(usage)
    default: throw BenchError(description: "unknown command \(args[1]); \(usage)")
    }
} catch let error as BenchError {
    FileHandle.standardError.write(Data("unclip-bench: \(error)\n".utf8))
    exit(64)
} catch {
    FileHandle.standardError.write(Data("unclip-bench: \(error)\n".utf8))
    exit(1)
}
