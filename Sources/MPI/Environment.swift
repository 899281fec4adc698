// MPI start-up and shut-down as an explicit scope, so no code runs MPI outside it and every exit
// path finalises (or aborts) exactly once.
import CMPI
import CShims
#if canImport(Glibc)
import Glibc
#endif

public enum MPIEnvironment {
    /// Initialises MPI (thread level FUNNELED: only the main thread calls MPI), runs `body` with
    /// the world communicator, finalises. A Swift error escaping `body` on any rank is printed
    /// with the rank and turns into `MPI_Abort`, so the other ranks never hang in a collective.
    public static func run<R>(_ body: (Communicator) throws -> R) -> R {
        var provided: Int32 = 0
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        if !isInitialized {
            MPI_Init_thread(&argc, &argv, Int32(MPI_THREAD_FUNNELED), &provided)
        }
        let world = Communicator.world
        do {
            let r = try body(world)
            finalize()
            return r
        } catch {
            world.abort(message: "\(error)", code: 1)
        }
    }

    public static var isInitialized: Bool {
        var flag: Int32 = 0
        MPI_Initialized(&flag)
        return flag != 0
    }

    public static var isFinalized: Bool {
        var flag: Int32 = 0
        MPI_Finalized(&flag)
        return flag != 0
    }

    /// Initialises MPI if needed (for tests and tools that are not wrapped in `run`).
    public static func initializeIfNeeded() {
        if !isInitialized {
            var provided: Int32 = 0
            MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        }
    }

    public static func finalize() {
        if isInitialized && !isFinalized { MPI_Finalize() }
    }

    /// Wall-clock time in seconds (MPI_Wtime).
    public static func wtime() -> Double { MPI_Wtime() }
}
