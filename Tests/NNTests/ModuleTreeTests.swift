import Testing

@testable import NN

/// A small tree with every kind of child: module, optional module, array of modules, parameter, renamed key.
final class Toy: Module {
    let selfAttn: MultiHeadAttention
    let layerNorm1: LayerNorm
    let blocks: [Linear]
    let extra: Linear?
    let missing: Linear?
    let classEmbedding: Variable
    let toOut: Linear
    let width = 8  // not a parameter

    override var checkpointKeys: [String: String] { ["toOut": "to_out.0"] }

    override init() {
        selfAttn = try! MultiHeadAttention(dim: 8, heads: 2)
        layerNorm1 = try! LayerNorm(8)
        blocks = [try! Linear(8, 4), try! Linear(4, 8, bias: false)]
        extra = try! Linear(8, 2)
        missing = nil
        classEmbedding = Variable(try! Tensor(zeros: [8]))
        toOut = try! Linear(8, 8)
    }
}

@Suite struct ModuleTreeTests {
    @Test func keysFollowDeclarationOrderAndNames() throws {
        let keys = Toy().parameters().map(\.key)
        #expect(
            keys == [
                "self_attn.q_proj.weight", "self_attn.q_proj.bias", "self_attn.k_proj.weight",
                "self_attn.k_proj.bias", "self_attn.v_proj.weight", "self_attn.v_proj.bias",
                "self_attn.out_proj.weight", "self_attn.out_proj.bias", "layer_norm1.weight", "layer_norm1.bias",
                "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "extra.weight", "extra.bias",
                "class_embedding", "to_out.0.weight", "to_out.0.bias",
            ])
    }

    @Test func diffusersNaming() throws {
        let a = try MultiHeadAttention(dim: 8, heads: 2, contextDim: 6, naming: .diffusers)
        #expect(
            a.parameters().map(\.key).filter { $0.hasSuffix("weight") } == [
                "to_q.weight", "to_k.weight", "to_v.weight", "to_out.0.weight",
            ])
        #expect(a.parameterDictionary()["to_k.weight"]?.shape == [8, 6])
        let ff = try FeedForward(dim: 4, hiddenDim: 16, activation: .gelu, naming: .diffusers)
        #expect(ff.parameters().map(\.key) == ["net.0.proj.weight", "net.0.proj.bias", "net.2.weight", "net.2.bias"])
    }

    @Test func snakeCase() {
        let cases = [
            ("toQ", "to_q"), ("layerNorm1", "layer_norm1"), ("fc1", "fc1"), ("preLayrnorm", "pre_layrnorm"),
            ("qkvProj", "qkv_proj"), ("URLMap", "url_map"), ("_toOut", "to_out"), ("weight", "weight"),
        ]
        for (swift, key) in cases { #expect(Module.checkpointKey(forProperty: swift) == key) }
    }

    @Test func modulesListsTheTree() throws {
        let keys = Toy().modules().map(\.key)
        #expect(keys.first == "")
        #expect(keys.contains("self_attn.q_proj") && keys.contains("blocks.1") && keys.contains("to_out.0"))
    }

    @Test func initializationIsSeededAndBounded() throws {
        let a = Toy(), b = Toy()
        try a.initializeParameters(seed: 7)
        try b.initializeParameters(seed: 7)
        for ((_, x), (_, y)) in zip(a.parameters(), b.parameters()) { #expect(x.value.scalars == y.value.scalars) }
        let w = a.blocks[0].weight.value.scalars
        #expect(w.allSatisfy { abs($0) <= 1 / Float(8).squareRoot() } && Set(w).count > 1)
        #expect(a.layerNorm1.weight?.value.scalars == Array(repeating: 1, count: 8))
    }
}
