// The two sides of a pair search and its result.

/// One side of a search: points with a radius (arcsec), a globally unique ordering key, and an
/// optional side tag.
public struct PairSet {
    public var points: SkyPoints
    /// Search radius of each row, arcsec, finite, ≥ 0.
    public var radii: [Double]
    /// Globally unique per row (the same row on two ranks has the same key): excludes self-pairs
    /// and breaks ties in the attribution rule (PairSearch).
    public var keys: [Int64]
    /// When non-nil on BOTH sets, only pairs with different sides are kept (e.g. original rows and
    /// their shifted copies searched as one set).
    public var sides: [UInt8]?

    public init(points: SkyPoints, radii: [Double], keys: [Int64], sides: [UInt8]? = nil) {
        precondition(radii.count == points.count && keys.count == points.count,
                     "PairSet: points, radii and keys counts differ")
        precondition(sides == nil || sides!.count == points.count, "PairSet: sides count differs")
        self.points = points; self.radii = radii; self.keys = keys; self.sides = sides
    }

    public var count: Int { points.count }
}

/// Found pairs: indices into the query set and the target set, and the separation in arcsec.
public struct PairList {
    public var query: [Int]
    public var target: [Int]
    public var sep: [Double]
    /// Candidate pairs tested: the indexed points inside the queries' zone windows, each given
    /// the chord² test (the search's work; a same-set fixed-radius search meets each pair once,
    /// the others from both sides).
    public var candidates = 0
    public init() { query = []; target = []; sep = [] }
    public var count: Int { query.count }
}
