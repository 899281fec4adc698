// The shared collective helpers on one rank (the e2e tests run them on 1, 2 and 3 ranks through
// every job): the statistics pack, the exact reductions, the clock. (CollectiveChunks: GaiaJobTests.)
import MPI
import Numerics
import XCTest
@testable import GaiaIO

final class CollectiveHelperTests: XCTestCase {
    override class func setUp() { MPIEnvironment.initializeIfNeeded() }

    func testReductionPackReadsEveryValueBackFromItsSlot() {
        var pack = ReductionPack()
        let a = pack.add(3, .sum), b = pack.add([4, 5, 6], .sum), c = pack.add(-7, .max), d = pack.add(8, .min)
        let x = pack.add(0.25, .sum), y = pack.add([1.5, -2.5], .max), z = pack.add(-0.0, .min)
        let r = pack.reduced(.world)
        XCTAssertEqual(r[a], 3)
        XCTAssertEqual(r[b], [4, 5, 6])
        XCTAssertEqual(r[c], -7)
        XCTAssertEqual(r[d], 8)
        XCTAssertEqual(r[x], 0.25)
        XCTAssertEqual(r[y], [1.5, -2.5])
        XCTAssertEqual(r[z].bitPattern, (-0.0).bitPattern)
        // An empty pack makes no collective call and reads nothing.
        _ = ReductionPack().reduced(.world)
    }

    func testMPIReductionOfOneRankIsTheIdentity() {
        var e = ExactSum(count: 3)
        e.add([1e300, 1, -2.5e-308])
        e.add([-1e300, 0x1p-60, 0])
        let total = MPIReduction(.world).sum(e)
        XCTAssertEqual(total, e)
        // 1e300 − 1e300 cancels exactly; 1 + 2^−60 rounds to 1.
        XCTAssertEqual(total.values(), [0, 1, -2.5e-308])
        XCTAssertEqual(MPIReduction(.world).sum(ExactSum(count: 2)).values(), [0, 0])
        var f = FixedPointSums(count: 2)
        f.add([0.5, -3], at: 0)
        f.add([.nan, 2], at: 0)
        let g = MPIReduction(.world).sum(f)
        XCTAssertEqual(g, f)
        XCTAssertEqual(g.values(), [0.5, -1])
        XCTAssertEqual(g.rejected, 1)
        XCTAssertEqual(g.maxAbs, 3)
        XCTAssertEqual(MPIReduction(.world).sum([1, -2]), [1, -2])
    }

    func testClockRate() {
        XCTAssertEqual(Clock.rate(0, seconds: 0), 0)
        XCTAssertEqual(Clock.rate(10, seconds: 4), 2.5)
        XCTAssertEqual(Clock.rate(1, seconds: 0), 1e9, accuracy: 1)  // never a division by zero
        let t = Clock.wall()
        XCTAssertGreaterThanOrEqual(Clock.wall(), t)
        XCTAssertGreaterThanOrEqual(Communicator.world.elapsed(since: t), 0)
    }
}
