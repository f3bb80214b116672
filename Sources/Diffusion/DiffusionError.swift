/// Errors thrown by the diffusion library. Each case names the field or array at fault.
public enum DiffusionError: Error, Equatable, CustomStringConvertible {
    /// A configuration value is outside its valid range.
    case invalidConfiguration(field: String, reason: String)
    /// A flat array has the wrong number of elements.
    case lengthMismatch(name: String, expected: Int, actual: Int)
    /// A timestep is outside `-1 ..< trainingSteps` (−1 stands for the clean sample).
    case timestepOutOfRange(field: String, timestep: Int, trainingSteps: Int)
    /// A value that the configuration requires was not supplied (for example the noise of an ancestral step).
    case missingInput(name: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let field, let reason): return "\(field): \(reason)"
        case .lengthMismatch(let name, let expected, let actual):
            return "\(name): expected \(expected) elements, got \(actual)"
        case .timestepOutOfRange(let field, let timestep, let trainingSteps):
            return "\(field): timestep \(timestep) is outside -1..<\(trainingSteps)"
        case .missingInput(let name): return "\(name): required but not given"
        }
    }
}

@inline(__always)
func checkLength(_ name: String, _ array: [Float], _ expected: Int) throws {
    if array.count != expected {
        throw DiffusionError.lengthMismatch(name: name, expected: expected, actual: array.count)
    }
}

@inline(__always)
func checkLength(_ name: String, _ count: Int, _ expected: Int) throws {
    if count != expected { throw DiffusionError.lengthMismatch(name: name, expected: expected, actual: count) }
}

/// Calls `body` with a buffer over `array`, or with nil.
func withOptionalBuffer<R>(_ array: [Float]?, _ body: (UnsafeBufferPointer<Float>?) throws -> R) rethrows -> R {
    guard let array else { return try body(nil) }
    return try array.withUnsafeBufferPointer { try body($0) }
}
