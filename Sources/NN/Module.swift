import TensorCore

// The MLXNN idea: a model is a tree of modules whose key paths are the checkpoint's key names.

/// A layer or model: a node in a tree whose key paths are the checkpoint's tensor names.
///
/// Subclasses declare their parameters (`Variable`, `Variable?`, `[Variable]`) and sub-modules (`Module`,
/// `Module?`, `[Module]`) as stored properties; they are discovered by reflection in declaration order (superclass
/// properties first). A property's key is its name converted to snake case (`selfAttn` → `self_attn`,
/// `layerNorm1` → `layer_norm1`); `checkpointKeys` gives any other key. Array elements are numbered children
/// (`layers.0`, `layers.1`, …). Other stored properties (sizes, flags, epsilons) are ignored.
///
/// ```swift
/// final class Block: Module {
///     let norm: LayerNorm  // "norm"
///     let toOut: Linear  // "to_out.0", from checkpointKeys
///     let layers: [Linear]  // "layers.0", "layers.1", …
///     override var checkpointKeys: [String: String] { ["toOut": "to_out.0"] }
/// }
/// ```
open class Module {
    public init() {}

    /// Resets this module's own parameters (not its children's) to their default initialisation; layers override
    /// it. See `initializeParameters(seed:)`.
    open func resetParameters(using rng: inout PhiloxRandom) throws {}

    /// Prepares this module's own inference caches (`Linear` packs its weight), dropping the plain copy of what
    /// it cached unless `keepingWeights`; see `prepareTreeForInference(keepingWeights:)`.
    open func prepareForInference(keepingWeights: Bool) throws {}

    /// Drops this module's own inference caches.
    open func releaseInferenceCache() {}

    /// Checkpoint keys for properties whose snake-case name is not the key, by Swift property name
    /// (`["toOut": "to_out.0", "linear1": "linear_1"]`). A key may contain dots; an empty key inlines the child's
    /// keys into this module's (a model built from towers that share the checkpoint's root).
    open var checkpointKeys: [String: String] { [:] }

    /// The direct children and parameters with their keys, in declaration order.
    public func namedChildren() -> [(key: String, node: ModuleNode)] {
        var out: [(key: String, node: ModuleNode)] = []
        var mirrors: [Mirror] = []
        var m: Mirror? = Mirror(reflecting: self)
        while let current = m {
            mirrors.append(current)
            m = current.superclassMirror
        }
        let overrides = checkpointKeys
        for mirror in mirrors.reversed() {
            for child in mirror.children {
                guard let label = child.label else { continue }
                let key = overrides[label] ?? Module.checkpointKey(forProperty: label)
                Module.collect(child.value, key: key, into: &out)
            }
        }
        return out
    }

    /// Every parameter with its full key (`encoder.layers.0.mlp.fc1.weight`), in declaration order.
    public func parameters() -> [(key: String, value: Variable)] {
        var out: [(key: String, value: Variable)] = []
        appendParameters(prefix: "", into: &out)
        return out
    }

    /// Every sub-module with its full key, this module first (key "").
    public func modules() -> [(key: String, module: Module)] {
        var out: [(key: String, module: Module)] = [("", self)]
        for (key, node) in namedChildren() {
            if case .module(let m) = node {
                out += m.modules().map {
                    (key: $0.key.isEmpty ? key : key.isEmpty ? $0.key : key + "." + $0.key, module: $0.module)
                }
            }
        }
        return out
    }

    /// Parameters as a dictionary keyed by full key.
    public func parameterDictionary() -> [String: Variable] {
        Dictionary(parameters().map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    /// Parameter values as a weight file, in `parameters()` order.
    public func weightFile(metadata: [String: String] = [:]) -> WeightFile {
        WeightFile(tensors: parameters().map { ($0.key, $0.value.value) }, metadata: metadata)
    }

    func appendParameters(prefix: String, into out: inout [(key: String, value: Variable)]) {
        for (key, node) in namedChildren() {
            let full = prefix.isEmpty ? key : key.isEmpty ? prefix : prefix + "." + key
            switch node {
            case .parameter(let v): out.append((full, v))
            case .module(let m): m.appendParameters(prefix: full, into: &out)
            }
        }
    }

    static func collect(_ value: Any, key: String, into out: inout [(key: String, node: ModuleNode)]) {
        if let v = value as? Variable {
            out.append((key, .parameter(v)))
        } else if let m = value as? Module {
            out.append((key, .module(m)))
        } else if let vs = value as? [Variable] {
            for (i, v) in vs.enumerated() { out.append((key + ".\(i)", .parameter(v))) }
        } else if let ms = value as? [Module] {
            for (i, m) in ms.enumerated() { out.append((key + ".\(i)", .module(m))) }
        }
    }

    /// The default checkpoint key of a Swift property: camel case to snake case (`toQ` → `to_q`,
    /// `layerNorm1` → `layer_norm1`, `qkvProj` → `qkv_proj`, `URLMap` → `url_map`); a leading `_` (from a
    /// property wrapper or `lazy`) is dropped.
    public static func checkpointKey(forProperty name: String) -> String {
        let chars = Array(name.hasPrefix("_") ? name.dropFirst() : Substring(name))
        var out = ""
        for (i, c) in chars.enumerated() {
            if c.isUppercase {
                let prev = i > 0 ? chars[i - 1] : nil
                let next = i + 1 < chars.count ? chars[i + 1] : nil
                if let prev, prev.isLowercase || prev.isNumber || (prev.isUppercase && next?.isLowercase == true) {
                    out.append("_")
                }
                out += c.lowercased()
            } else {
                out.append(c)
            }
        }
        return out
    }
}

/// A child of a module: a parameter or a sub-module.
public enum ModuleNode {
    case parameter(Variable)
    case module(Module)
}
