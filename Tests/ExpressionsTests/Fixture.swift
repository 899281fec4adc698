// A five-row test table with every column kind and shape, and helpers to evaluate expressions on it.
import XCTest
@testable import Expressions

enum Fixture {
    static let rows = 5
    static let magOffsets = [0, 2, 2, 5, 6, 6]          // rows 1 and 4 empty
    static let columns: [String: (ColumnSignature, ExpressionColumn)] = [
        "x": (.init(name: "x", kind: .float, shape: .scalar), .init(values: .float([1.5, -2.0, .nan, .infinity, 0.0]))),
        "y": (.init(name: "y", kind: .float, shape: .scalar), .init(values: .float([2.0, 0.0, 1.0, -.infinity, -3.0]))),
        "i": (.init(name: "i", kind: .int, shape: .scalar), .init(values: .int([7, -7, 0, .max, .min]))),
        "k": (.init(name: "k", kind: .int, shape: .scalar), .init(values: .int([2, 2, 0, 1, -1]))),
        "n": (.init(name: "n", kind: .int, shape: .scalar),
              .init(values: .int([3, 4, 5, 6, 7]), null: [false, true, false, false, true])),
        "b": (.init(name: "b", kind: .bool, shape: .scalar),
              .init(values: .bool([true, false, true, false, true]), null: [false, false, true, false, false])),
        // Real Gaia DR3 source_ids (> 2^53, so not exact as doubles).
        "source_id": (.init(name: "source_id", kind: .int, shape: .scalar),
                      .init(values: .int([4295806720, 5853498713190525696, 6917528997577384320, 2448013924290410752, 9007199254740993]))),
        "coef": (.init(name: "coef", kind: .float, shape: .fixed(3)),
                 .init(values: .float([1, 2, 3, 4, .nan, 6, 7, 8, 9, -1, -2, -3, 0, 0, 0]), layout: .fixed(3))),
        "icoef": (.init(name: "icoef", kind: .int, shape: .fixed(2)),
                  .init(values: .int([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), layout: .fixed(2))),
        "mag": (.init(name: "mag", kind: .float, shape: .ragged),
                .init(values: .float([20.0, 21.0, 18.0, .nan, 19.0, 17.5]), layout: .ragged(magOffsets))),
        "flux": (.init(name: "flux", kind: .float, shape: .ragged),
                 .init(values: .float([100, 50, 10, 20, .nan, 8]), layout: .ragged(magOffsets))),
        "err": (.init(name: "err", kind: .float, shape: .ragged),
                .init(values: .float([10, 5, 2, 4, 1, 0]), layout: .ragged(magOffsets))),
        "flag": (.init(name: "flag", kind: .bool, shape: .ragged),
                 .init(values: .bool([true, false, true, true, false, false]), null: [false, false, false, true, false, false],
                       layout: .ragged(magOffsets))),
        "other": (.init(name: "other", kind: .float, shape: .ragged),
                  .init(values: .float([1, 2, 3, 4, 5, 6]), layout: .ragged([0, 2, 3, 5, 6, 6]))),
        "a.pmra": (.init(name: "a.pmra", kind: .float, shape: .scalar), .init(values: .float([1, 2, 3, 4, 5]))),
    ]
    static var signatures: [ColumnSignature] { columns.values.map(\.0).sorted { $0.name < $1.name } }
    static var batch: ExpressionBatch { ExpressionBatch(rowCount: rows, columns: columns.mapValues(\.1)) }

    static func eval(_ text: String) throws -> ExpressionColumn {
        try Expression(text, columns: signatures).evaluate(batch)
    }
    /// The values of `text` as `T` (nil where null), or a test failure when it fails or is of another kind.
    static func values<T>(_ text: String, _ view: (ExpressionColumn.Values) -> [T]?, file: StaticString, line: UInt) -> [T?] {
        do {
            let c = try eval(text)
            guard let v = view(c.values) else { XCTFail("\(text): of another kind: \(c.values)", file: file, line: line); return [] }
            return v.indices.map { c.null?[$0] == true ? nil : v[$0] }
        } catch { XCTFail("\(error)", file: file, line: line); return [] }
    }
    static func floats(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [Double] {
        values(text, { if case .float(let v) = $0 { return v } else { return nil } }, file: file, line: line).map { $0! }
    }
    static func ints(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [Int64?] {
        values(text, { if case .int(let v) = $0 { return v } else { return nil } }, file: file, line: line)
    }
    static func bools(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [Bool?] {
        values(text, { if case .bool(let v) = $0 { return v } else { return nil } }, file: file, line: line)
    }
    /// The error `text` raises as a `--where` (at parse time or evaluation), or a test failure.
    static func error(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ExpressionError? {
        do {
            _ = try Expression(text, columns: signatures, label: "--where", condition: true).mask(batch)
            XCTFail("\(text): no error", file: file, line: line)
        } catch let e as ExpressionError { return e } catch { XCTFail("\(error)", file: file, line: line) }
        return nil
    }
}

/// Floats equal bit for bit, NaN equal to NaN.
func assertSame(_ a: [Double], _ b: [Double], _ text: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, text, file: file, line: line)
    for (x, y) in zip(a, b) where !(x.isNaN && y.isNaN) && x.bitPattern != y.bitPattern {
        XCTFail("\(text): \(a) != \(b)", file: file, line: line); return
    }
}
