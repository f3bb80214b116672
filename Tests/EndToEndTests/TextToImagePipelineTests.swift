import CLIP
import Foundation
import Imaging
import NN
import Prior
import Testing

/// The text-to-image job end to end through real pipes — `unclip-text | unclip-prior | unclip-decode |
/// unclip-upsample | unclip-upsample | unclip-png` — on tiny random-weight models: a CLIP whose text states and
/// projections are 16 wide and a one-layer prior (built here from their configs), joined to the UNet fixtures
/// of Tests/Fixtures/unet/pipeline (a 16×16 decoder and a 4× upsampler used twice: 16 → 64 → 256).
@Suite struct TextToImagePipelineTests {
    static let unet = Shell.packageRoot.appendingPathComponent("Tests/Fixtures/unet/pipeline")
    static let merges = Shell.packageRoot.appendingPathComponent("Tests/Fixtures/clip/models/hf-d16/merges.txt")
    static let pipelines = Shell.packageRoot.appendingPathComponent("pipelines").path
    static let front = Shell.packageRoot.appendingPathComponent("bin/unclip").path

    /// Hugging Face CLIP config: 16-wide text states (the prior and the decoder read them at width D = 16).
    static let clipConfig = """
        {"model_type": "clip", "projection_dim": 16, "logit_scale_init_value": 2.6592,
         "text_config": {"hidden_act": "quick_gelu", "hidden_size": 16, "intermediate_size": 64,
           "num_attention_heads": 2, "num_hidden_layers": 1, "max_position_embeddings": 77, "vocab_size": 1000,
           "layer_norm_eps": 1e-05, "eos_token_id": 2, "bos_token_id": 49406, "pad_token_id": 1},
         "vision_config": {"hidden_act": "quick_gelu", "hidden_size": 16, "intermediate_size": 64,
           "num_attention_heads": 2, "num_hidden_layers": 1, "image_size": 16, "patch_size": 8, "num_channels": 3,
           "layer_norm_eps": 1e-05}}
        """
    /// diffusers PriorTransformer config: D = 16 over CLIP's 77 text states.
    static let priorConfig = """
        {"_class_name": "PriorTransformer", "added_emb_type": "prd", "additional_embeddings": 4,
         "attention_head_dim": 8, "clip_embed_dim": null, "dropout": 0.0, "embedding_dim": 16,
         "embedding_proj_dim": null, "embedding_proj_norm_type": null, "encoder_hid_proj_type": "linear",
         "norm_in_type": null, "num_attention_heads": 2, "num_embeddings": 77, "num_layers": 1,
         "time_embed_act_fn": "silu", "time_embed_dim": null}
        """

    /// Writes `clip/`, `prior/` and `decoder/` into `dir`. The decoder folder links the fixture's UNets and text
    /// projection; its `unconditional.safetensors` (and the prior's) is this CLIP's encoding of the empty prompt.
    static func buildModels(in dir: URL) throws {
        let fm = FileManager.default
        let clip = dir.appendingPathComponent("clip"), prior = dir.appendingPathComponent("prior")
        let decoder = dir.appendingPathComponent("decoder")
        for folder in [clip, prior, decoder] { try fm.createDirectory(at: folder, withIntermediateDirectories: true) }

        try Data(clipConfig.utf8).write(to: clip.appendingPathComponent("config.json"))
        try fm.copyItem(at: merges, to: clip.appendingPathComponent("merges.txt"))
        let clipModel = try CLIPModel(
            try CLIPConfiguration(contentsOf: clip.appendingPathComponent("config.json").path))
        try clipModel.initializeParameters(seed: 21)
        try clipModel.save(to: clip.appendingPathComponent("model.safetensors").path)

        try Data(priorConfig.utf8).write(to: prior.appendingPathComponent("config.json"))
        let priorModel = try PriorTransformer(
            try PriorConfiguration(contentsOf: prior.appendingPathComponent("config.json").path))
        try priorModel.initializeParameters(seed: 22)
        try priorModel.save(to: prior.appendingPathComponent("diffusion_pytorch_model.safetensors").path)

        for name in ["decoder", "text_proj", "super_res_first", "super_res_last"] {
            try fm.createSymbolicLink(
                at: decoder.appendingPathComponent(name), withDestinationURL: unet.appendingPathComponent(name))
        }
        let r = try Shell.run(
            "unclip-text --model clip --allow-empty '' | unclip-tensors select text.embed,text.hidden,text.mask"
                + " > prior/unconditional.safetensors && cp prior/unconditional.safetensors decoder/",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
    }

    static func png(_ name: String, in dir: URL) throws -> (width: Int, height: Int, bytes: Data) {
        let bytes = try Data(contentsOf: dir.appendingPathComponent(name))
        let image = try PNG.decode(Array(bytes))
        return (image.width, image.height, bytes)
    }

    /// The stage pipe with `seed`, writing `PREFIX-0.png`, `PREFIX-1.png` (one image per prompt), with the
    /// text-to-image job's default image guidance.
    static func pipe(seed: Int, prefix: String) -> String {
        "unclip-text --model clip 'a red circle' 'a blue square'"
            + " | unclip-prior --model prior --steps 3 --samples-per-prompt 1 --seed \(seed)"
            + " | unclip-decode --model decoder --steps 3 --seed \(seed) --image-guidance 3"
            + " | unclip-upsample --model decoder --steps 2 | unclip-upsample --model decoder --steps 2"
            + " | unclip-png -q -o '\(prefix)-%n.png'"
    }

    @Test func stagePipeWritesFullSizePNGsAndSameSeedGivesSameBytes() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.buildModels(in: dir)
        let r = try Shell.run(
            Self.pipe(seed: 5, prefix: "a") + " && " + Self.pipe(seed: 5, prefix: "b") + " && "
                + Self.pipe(seed: 6, prefix: "c"),
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        for prefix in ["a", "b", "c"] {
            for n in 0..<2 {
                let image = try Self.png("\(prefix)-\(n).png", in: dir)
                #expect((image.width, image.height) == (256, 256), "\(prefix)-\(n).png")
            }
        }
        let a0 = try Self.png("a-0.png", in: dir).bytes, a1 = try Self.png("a-1.png", in: dir).bytes
        #expect(try Self.png("b-0.png", in: dir).bytes == a0, "same seed, same bytes")
        #expect(try Self.png("b-1.png", in: dir).bytes == a1)
        #expect(a0 != a1, "two prompts, two images")
        #expect(try Self.png("c-0.png", in: dir).bytes != a0, "another seed, another image")
    }

    @Test func textToImageJobMatchesThePipeAndCachedRerunReplays() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.buildModels(in: dir)
        func job(_ prefix: String, _ extra: String = "") -> String {
            "'\(Self.front)' 'a red circle' 'a blue square' --clip clip --prior prior --decoder decoder"
                + " --upsampler decoder --size 256 --steps 3 --prior-steps 3 --upsample-steps 2 --seed 5"
                + " -o '\(prefix)-%n.png'\(extra)"
        }
        let r = try Shell.run(
            "export UNCLIP_BIN='\(Shell.binDirectory.path)' XDG_CACHE_HOME='\(dir.path)/xdg'; "
                + Self.pipe(seed: 5, prefix: "pipe") + " && " + job("job") + " && " + job("cached", " --cache")
                + " && " + job("replayed", " --cache"),
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        for n in 0..<2 {
            let pipe = try Self.png("pipe-\(n).png", in: dir)
            #expect((pipe.width, pipe.height) == (256, 256))
            for prefix in ["job", "cached", "replayed"] {
                #expect(try Self.png("\(prefix)-\(n).png", in: dir).bytes == pipe.bytes, "\(prefix)-\(n).png")
            }
        }
        #expect(r.stderr.contains("job-1.png"), "says where the results went")
        // The second --cache run replays the prior, the decoder and both upsamplers.
        for stage in ["unclip-prior", "unclip-decode", "unclip-upsample"] {
            #expect(r.stderr.contains("replaying \(stage) from the cache"), "\(stage): \(r.stderr)")
        }
        #expect(r.stderr.components(separatedBy: "replaying").count - 1 == 4, "\(r.stderr)")
        let list = try Shell.run("unclip-cache --dir xdg/unclip list", in: dir)
        #expect(String(decoding: list.stdout, as: UTF8.self).split(separator: "\n").count == 4, "\(list.stderr)")
    }

    @Test func rerankedJobKeepsTheBestDecodedCandidate() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.buildModels(in: dir)
        func job(keep: Int, _ prefix: String) -> String {
            "'\(Self.front)' 'a red circle' --clip clip --prior prior --decoder decoder --size 16 --steps 3"
                + " --prior-steps 3 --seed 5 --samples 3 --rerank \(keep) -o '\(prefix)-%n.png'"
        }
        // The pipe it stands for: the decoded candidates scored by CLIP, not the prior's embeddings.
        let pipe =
            "unclip-text --model clip 'a red circle' | unclip-prior --model prior --steps 3 --samples-per-prompt 3"
            + " --seed 5 | unclip-decode --model decoder --steps 3 --seed 5 --image-guidance 3"
            + " | unclip-tensors drop image.embed,text.embed | unclip-rank --model clip --keep 1"
            + " | unclip-png -q -o 'pipe-%n.png'"
        let r = try Shell.run(
            "export UNCLIP_BIN='\(Shell.binDirectory.path)'; " + job(keep: 1, "best") + " && " + job(keep: 3, "all")
                + " && " + pipe,
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let best = try Self.png("best-0.png", in: dir).bytes
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("best-1.png").path))
        #expect(try Self.png("all-0.png", in: dir).bytes == best, "--rerank 3 writes the same best first")
        #expect(try Self.png("all-1.png", in: dir).bytes != best && Self.png("all-2.png", in: dir).bytes != best)
        #expect(try Self.png("pipe-0.png", in: dir).bytes == best)
        // `bin/unclip rank K PATTERN PROMPT` (pipelines/rerank.sh): the folders come from the environment.
        let rank = try Shell.run(
            "export UNCLIP_BIN='\(Shell.binDirectory.path)' UNCLIP_CLIP=clip UNCLIP_PRIOR=prior UNCLIP_DECODER=decoder; "
                + "'\(Self.front)' rank 2 'rank-%n.png' 'a red circle'",
            in: dir)
        #expect(rank.status == 0, "\(rank.stderr)")
        let ranked = try Self.png("rank-0.png", in: dir)
        #expect((ranked.width, ranked.height) == (16, 16))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("rank-1.png").path))
    }

    @Test func inpaintJobEditsRegionAfterRegionAndKeepsTheRest() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.buildModels(in: dir)
        // A 32×32 photo and a mask painted over it at that size: white top-right quarter (8..<16, 0..<8 at 16×16).
        var mask = try Image(width: 32, height: 32, channels: 1)
        for y in 0..<16 { for x in 16..<32 { mask.pixels[y * 32 + x] = 255 } }
        try Data(PNG.encode(mask)).write(to: dir.appendingPathComponent("mask.png"))
        let r = try Shell.run(
            "export UNCLIP_BIN='\(Shell.binDirectory.path)'; unclip-shapes --count 1 --size 32 | unclip-png -q -o img.png"
                + " && '\(Self.front)' inpaint --clip clip --prior prior --decoder decoder --upsampler decoder"
                + " --size 64 --steps 3 --upsample-steps 2 --sheet sheet.png -o out.png"
                + " img.png 2,2,4,4 'a red circle' mask.png ''",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.png("out.png", in: dir).width == 64 && Self.png("out.png", in: dir).height == 64)
        // The sheet: the 16×16 input and both edits, cells of 16 px at x = 2 + 18k, y = 2.
        let sheet = try PNG.decode(Array(try Self.png("sheet.png", in: dir).bytes)).rgb()
        #expect((sheet.width, sheet.height) == (56, 20))
        func pixel(_ cell: Int, _ x: Int, _ y: Int) -> [UInt8] {
            let at = ((2 + y) * sheet.width + 2 + 18 * cell + x) * 3
            return Array(sheet.pixels[at..<(at + 3)])
        }
        func changed(from a: Int, to b: Int, inside: (Int, Int) -> Bool) -> (kept: Bool, inside: Int) {
            var kept = true, count = 0
            for y in 0..<16 {
                for x in 0..<16 {
                    if inside(x, y) {
                        if pixel(a, x, y) != pixel(b, x, y) { count += 1 }
                    } else if pixel(a, x, y) != pixel(b, x, y) {
                        kept = false
                    }
                }
            }
            return (kept, count)
        }
        let first = changed(from: 0, to: 1) { x, y in (2..<6).contains(x) && (2..<6).contains(y) }
        #expect(first.kept && first.inside > 8, "edit 1 keeps all but its rectangle: \(first)")
        let second = changed(from: 1, to: 2) { x, y in x >= 8 && y < 8 }
        #expect(second.kept && second.inside > 32, "edit 2 keeps all but its mask: \(second)")
    }
}
