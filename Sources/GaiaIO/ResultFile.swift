// Kernel outputs: one self-describing HDF5 file (a results table with units and descriptions,
// extra arrays, the resolved parameters and provenance as attributes) and the same table as an
// ECSV file that astropy reads. Written by rank 0 after the reduction; both appear only when
// complete (temporary name, then rename).
import Foundation
import GaiaFormat
import HDF5

public struct ResultArray {
    public var name: String
    public var values: [Double]
    public var shape: [Int]
    public var unit: String
    public var description: String
    public init(name: String, values: [Double], shape: [Int], unit: String = "", description: String) {
        self.name = name
        self.values = values
        self.shape = shape
        self.unit = unit
        self.description = description
    }
}

public enum ResultFile {
    /// Writes `PREFIX.h5` (group `group` with one dataset per column, plus `arrays`) and `PREFIX.ecsv`.
    public static func write(prefix: String, group: String, columns: [ECSVOutputColumn], arrays: [ResultArray] = [],
                             parameters: String, meta: [(String, String)]) throws {
        let h5Path = prefix + ".h5"
        let partial = h5Path + ".partial"
        do {
            let f = try H5File.create(path: partial)
            try writeContents(f, group: group, columns: columns, arrays: arrays, parameters: parameters, meta: meta)
            try f.close()
            if rename(partial, h5Path) != 0 { throw HDF5Error("cannot rename \(partial) to \(h5Path)") }
        } catch {
            unlink(partial)
            throw error
        }
        try ECSVWriter.write(path: prefix + ".ecsv", columns: columns,
                             meta: meta + Provenance.ecsvMeta + [("parameters", parameters)])
    }

    private static func writeContents(_ f: H5File, group: String, columns: [ECSVOutputColumn], arrays: [ResultArray],
                                      parameters: String, meta: [(String, String)]) throws {
        try Provenance(ranks: 1).write(to: f)
        try f.setAttribute("parameters", parameters)
        for (k, v) in meta { try f.setAttribute(k, v) }
        let g = try f.createGroup(group)
        try g.setAttribute("columns", columns.map(\.name))
        try g.setAttribute("n_rows", Int64(columns.first?.values.count ?? 0))
        for c in columns {
            let d: Dataset
            let n = c.values.count
            switch c.values {
            case .int64(let v): d = try g.createDataset(c.name, element: .int64, shape: [n]); try write(d, v)
            case .int32(let v): d = try g.createDataset(c.name, element: .int32, shape: [n]); try write(d, v)
            case .float64(let v): d = try g.createDataset(c.name, element: .float64, shape: [n]); try write(d, v)
            case .float32(let v): d = try g.createDataset(c.name, element: .float32, shape: [n]); try write(d, v)
            case .bool(let v):
                d = try g.createDataset(c.name, element: .int8, shape: [n])
                try write(d, v.map { Int8($0 ? 1 : 0) })
                try d.setAttribute("gaia_datatype", "bool")
            case .string(let v):
                let width = max(1, v.map(\.utf8.count).max() ?? 1)
                d = try g.createDataset(c.name, element: .string(width), shape: [n])
                var bytes = [UInt8](repeating: 0, count: max(n * width, 1))
                for (i, s) in v.enumerated() { for (j, b) in s.utf8.enumerated() { bytes[i * width + j] = b } }
                try bytes.withUnsafeBytes { try d.write(rows: 0, count: n, from: $0.baseAddress, collective: false) }
            case .float64Arrays(let v):
                // Ragged: concatenated values + offsets, as in the repacked tables.
                let flat = v.flatMap { $0 }
                d = try g.createDataset(c.name, element: .float64, shape: [flat.count])
                try write(d, flat)
                var offsets: [Int64] = [0]
                for row in v { offsets.append(offsets.last! + Int64(row.count)) }
                let od = try g.createDataset(c.name + "_offsets", element: .int64, shape: [offsets.count])
                try write(od, offsets)
                try d.setAttribute("offsets", c.name + "_offsets")
            }
            try d.setAttribute("units", c.unit ?? "")
            try d.setAttribute("description", c.description ?? "")
        }
        for a in arrays {
            let d = try f.createDataset(a.name, element: .float64, shape: a.shape)
            try write(d, a.values)
            try d.setAttribute("units", a.unit)
            try d.setAttribute("description", a.description)
        }
    }

    private static func write<T: H5Scalar>(_ d: Dataset, _ v: [T]) throws {
        try v.withUnsafeBytes { try d.write(rows: 0, count: d.rowCount, from: $0.baseAddress, collective: false) }
    }
}
