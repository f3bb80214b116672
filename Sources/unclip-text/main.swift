// unclip-text: prompts into a frame of CLIP text tokens, embeddings and hidden states.
import CLIP
import Foundation
import StageKit
import TensorStream

let spec = CommandSpec(
    name: "unclip-text", summary: "encode prompts with the CLIP text encoder",
    usage: ["--model DIR [options] [PROMPT...]   (no PROMPT: one prompt per line on stdin)"],
    options: [
        OptionSpec(
            "prompt", short: "p", value: "TEXT", repeatable: true, help: "a prompt (repeatable; before the operands)"),
        OptionSpec("batch", value: "N", default: "16", help: "prompts per frame"),
        OptionSpec("truncate", help: "cut over-long prompts to the context instead of failing"),
        OptionSpec("allow-empty", help: "accept empty prompts (the unconditional prompt \"\")"),
        OptionSpec(
            "tokens-only",
            help: "stop after the tokenizer: text.tokens and text.mask only (DIR needs only the tokenizer)"),
    ], common: .model,
    details: """
        Writes frames with text.tokens I32 [B, T], text.mask BOOL [B, T], text.embed F32 [B, D] and
        text.hidden F32 [B, T, W] (T = the model's max_position_embeddings, 77 for CLIP) and metadata `prompt`.
        DIR holds config.json (Hugging Face CLIP form), model.safetensors (Hugging Face or OpenAI/open_clip keys)
        and the tokenizer: vocab.json + merges.txt, or bpe_simple_vocab_16e6.txt.gz, or merges.txt.
        Stdin must be UTF-8; empty lines are errors unless --allow-empty.
        """)

Stage.run(spec) { stage in
    let args = stage.command
    guard let folder = args.string("model") ?? stage.arguments.string("model") else {
        throw UsageError("give the model folder with --model DIR")
    }
    let batchSize = try args.int("batch", in: 1...65536) ?? 16
    var prompts = args.strings("prompt") + args.operands
    if prompts.isEmpty {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        guard let text = String(data: data, encoding: .utf8) else { throw StageError("stdin is not valid UTF-8") }
        prompts = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        if prompts.last == "" { prompts.removeLast() }
        guard !prompts.isEmpty else { throw StageError("no prompts on stdin") }
    }
    if !args.has("allow-empty"), let i = prompts.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty })
    {
        throw StageError("prompt \(i + 1) is empty (use --allow-empty for the unconditional prompt)")
    }
    let tokensOnly = args.has("tokens-only")
    let configPath = folder + "/config.json"
    var context = CLIPTokenizer.defaultContextLength
    var encoder: CLIPTextEncoder? = nil
    var stamp: ModelStamp? = nil
    if !tokensOnly || FileManager.default.fileExists(atPath: configPath) {
        let config = try CLIPConfiguration(contentsOf: configPath)
        guard let text = config.text else { throw StageError("\(configPath) has no text configuration") }
        context = text.maxPositions
    }
    if !tokensOnly {
        let model = try CLIPModel(folder: folder, towers: .text)
        try model.prepareTreeForInference(keepingWeights: false)
        encoder = model.text
        stamp = try ModelStamp(
            name: URL(fileURLWithPath: folder).lastPathComponent, weightsAt: folder + "/model.safetensors")
    }
    let tokenizer = try CLIPTokenizer(folder: folder, contextLength: context)
    let frames = CLIPTextFrames(encoder: encoder, tokenizer: tokenizer)
    let writer = try stage.openOutput()
    for start in stride(from: 0, to: prompts.count, by: batchSize) {
        let chunk = Array(prompts[start..<min(prompts.count, start + batchSize)])
        var frame = try frames.frame(prompts: chunk, truncate: args.has("truncate"))
        stage.stamp(&frame, model: stamp)
        try writer.write(frame)
    }
}
