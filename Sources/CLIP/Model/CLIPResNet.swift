import NN

// Follows OpenAI CLIP's / open_clip's ModifiedResNet: three-convolution stem with an average pool, anti-aliased
// bottlenecks (average pool before strided 1x1 convolutions), attention pooling.

/// A bottleneck block. Keys: `conv1`, `bn1`, `conv2`, `bn2`, `conv3`, `bn3`, and `downsample.0` (conv) /
/// `downsample.1` (batch norm) when the shape changes.
public final class CLIPBottleneck: Module {
    public let conv1: Conv2d, bn1: BatchNorm2d
    public let conv2: Conv2d, bn2: BatchNorm2d
    public let conv3: Conv2d, bn3: BatchNorm2d
    public let downsampleConv: Conv2d?
    public let downsampleNorm: BatchNorm2d?
    public let stride: Int

    override public var checkpointKeys: [String: String] {
        ["downsampleConv": "downsample.0", "downsampleNorm": "downsample.1"]
    }

    public init(inPlanes: Int, planes: Int, stride: Int) throws {
        conv1 = try Conv2d(inPlanes, planes, kernelSize: 1, bias: false)
        bn1 = try BatchNorm2d(planes)
        conv2 = try Conv2d(planes, planes, kernelSize: 3, padding: 1, bias: false)
        bn2 = try BatchNorm2d(planes)
        conv3 = try Conv2d(planes, planes * 4, kernelSize: 1, bias: false)
        bn3 = try BatchNorm2d(planes * 4)
        let reshape = stride > 1 || inPlanes != planes * 4
        downsampleConv = reshape ? try Conv2d(inPlanes, planes * 4, kernelSize: 1, bias: false) : nil
        downsampleNorm = reshape ? try BatchNorm2d(planes * 4) : nil
        self.stride = stride
    }

    /// x: [B, Cin, H, W] → [B, 4·planes, H/stride, W/stride]
    public func callAsFunction(_ x: Variable, tape: Tape) throws -> Variable {
        var out = try tape.relu(bn1(conv1(x, tape: tape), tape: tape))
        out = try tape.relu(bn2(conv2(out, tape: tape), tape: tape))
        if stride > 1 { out = try tape.averagePool(out, kernel: stride) }
        out = try bn3(conv3(out, tape: tape), tape: tape)
        var identity = x
        if let downsampleConv, let downsampleNorm {
            if stride > 1 { identity = try tape.averagePool(identity, kernel: stride) }
            identity = try downsampleNorm(downsampleConv(identity, tape: tape), tape: tape)
        }
        return try tape.relu(tape.add(out, identity))
    }
}

/// Attention pooling: the mean token (plus positions) attends over all positions. Keys: `positional_embedding`
/// [S²+1, C], `q_proj`, `k_proj`, `v_proj`, `c_proj` (the output projection to the embedding width).
public final class CLIPAttentionPool: Module {
    public let positionalEmbedding: Variable
    public let attention: MultiHeadAttention

    override public var checkpointKeys: [String: String] { ["attention": ""] }

    public init(spatial: Int, width: Int, heads: Int, outputDim: Int) throws {
        positionalEmbedding = Variable(try Tensor(untouchedZeros: [spatial * spatial + 1, width]))
        attention = try MultiHeadAttention(
            dim: width, heads: heads, outputDim: outputDim,
            naming: .init(query: "q_proj", key: "k_proj", value: "v_proj", output: "c_proj"))
    }

    /// x: [B, C, H, W] → pooled [B, E] and the position tokens [B, HW+1, C].
    public func callAsFunction(_ x: Variable, tape: Tape) throws -> (pooled: Variable, tokens: Variable) {
        let (b, c, n) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        guard positionalEmbedding.shape == [n + 1, c] else {
            throw CLIPError.badInput("feature map \(x.shape) does not fit positions \(positionalEmbedding.shape)")
        }
        let t = try tape.permute(tape.reshape(x, [b, c, n]), [0, 2, 1])  // t: [B, HW, C]
        let average = try Tensor(repeating: 1 / Float(n), shape: [b, 1, n])
        let mean = try tape.matmul(.constant(average), t)  // [B, 1, C]
        let tokens = try tape.add(
            tape.concatenate([mean, t], axis: 1), tape.reshape(positionalEmbedding, [1, n + 1, c]))  // [B, HW+1, C]
        let query = try tape.split(tokens, sizes: [1, n], axis: 1)[0]  // [B, 1, C]
        let pooled = try attention(query, context: tokens, tape: tape)  // [B, 1, E]
        return (try tape.reshape(pooled, [b, pooled.shape[2]]), tokens)
    }
}

/// The ModifiedResNet image tower (RN50, RN101, RN50x4/x16/x64 shapes from `resnet_layers` and `hidden_size`).
/// Keys (OpenAI's, under `visual.`): `conv1..3`, `bn1..3`, `layer1..4.N.*`, `attnpool.*`.
public final class CLIPResNet: Module {
    public let conv1: Conv2d, bn1: BatchNorm2d
    public let conv2: Conv2d, bn2: BatchNorm2d
    public let conv3: Conv2d, bn3: BatchNorm2d
    public let layer1: [CLIPBottleneck], layer2: [CLIPBottleneck], layer3: [CLIPBottleneck], layer4: [CLIPBottleneck]
    public let attnpool: CLIPAttentionPool

    public init(layers: [Int], width: Int, heads: Int, imageSize: Int, outputDim: Int) throws {
        guard layers.count == 4, layers.allSatisfy({ $0 > 0 }), width >= 2, imageSize % 32 == 0 else {
            throw CLIPError.badInput("ResNet needs 4 stage depths, a width ≥ 2 and an image size divisible by 32")
        }
        conv1 = try Conv2d(3, width / 2, kernelSize: 3, stride: 2, padding: 1, bias: false)
        bn1 = try BatchNorm2d(width / 2)
        conv2 = try Conv2d(width / 2, width / 2, kernelSize: 3, padding: 1, bias: false)
        bn2 = try BatchNorm2d(width / 2)
        conv3 = try Conv2d(width / 2, width, kernelSize: 3, padding: 1, bias: false)
        bn3 = try BatchNorm2d(width)
        var inPlanes = width
        func stage(_ planes: Int, _ count: Int, _ stride: Int) throws -> [CLIPBottleneck] {
            let blocks = try (0..<count).map { i in
                try CLIPBottleneck(
                    inPlanes: i == 0 ? inPlanes : planes * 4, planes: planes, stride: i == 0 ? stride : 1)
            }
            inPlanes = planes * 4
            return blocks
        }
        layer1 = try stage(width, layers[0], 1)
        layer2 = try stage(width * 2, layers[1], 2)
        layer3 = try stage(width * 4, layers[2], 2)
        layer4 = try stage(width * 8, layers[3], 2)
        attnpool = try CLIPAttentionPool(spatial: imageSize / 32, width: width * 32, heads: heads, outputDim: outputDim)
    }

    /// pixels: [B, 3, S, S] → embeds [B, E] and the pooled tokens [B, (S/32)²+1, 32·width].
    public func callAsFunction(_ pixels: Variable, tape: Tape) throws -> (pooled: Variable, tokens: Variable) {
        var x = try tape.relu(bn1(conv1(pixels, tape: tape), tape: tape))  // [B, w/2, S/2, S/2]
        x = try tape.relu(bn2(conv2(x, tape: tape), tape: tape))
        x = try tape.relu(bn3(conv3(x, tape: tape), tape: tape))  // [B, w, S/2, S/2]
        x = try tape.averagePool(x, kernel: 2)  // [B, w, S/4, S/4]
        for block in layer1 + layer2 + layer3 + layer4 { x = try block(x, tape: tape) }  // [B, 32w, S/32, S/32]
        return try attnpool(x, tape: tape)
    }
}
