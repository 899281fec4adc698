// The truth of the planted pairs (PlantedPairs.swift): `gaia_source_pairs_truth.ecsv`, one row per
// planted pair with source_id_a < source_id_b, sorted by (source_id_a, source_id_b) as the pairs job
// writes its output, and the totals for gaia_source_truth.json.
//
// Lensed systems list every pair a pair search can find: quasar–image and image–image.

struct PlantedTruth {
    struct Row {
        var a: Int64, b: Int64
        var kind: PlantedPairKind
        var sep: Double
        var quasar: Int64?
        var parallax: Double
        var dpm: (Double, Double)  // µ(a) − µ(b), orbital part
    }

    let rows: [Row]
    let plan: PlantedPlan

    init(plan: PlantedPlan, sources: [PlacedSource]) {
        self.plan = plan
        var byIndex = [Int](repeating: 0, count: sources.count)
        for (k, s) in sources.enumerated() { byIndex[s.index] = k }
        func place(_ i: Int) -> PlacedSource { sources[byIndex[i]] }
        rows = plan.pairs.map { p in
            let s1 = place(p.first), s2 = place(p.second)
            let swap = s2.sourceID < s1.sourceID
            let (a, b) = swap ? (s2, s1) : (s1, s2)
            return Row(a: a.sourceID, b: b.sourceID, kind: p.kind,
                       sep: SkyOffset.separationArcsec((a.raDeg, a.decDeg), (b.raDeg, b.decDeg)),
                       quasar: p.host.map { place($0).sourceID }, parallax: p.parallax,
                       dpm: swap ? (-p.dpm.0, -p.dpm.1) : p.dpm)
        }.sorted { ($0.a, $0.b) < ($1.a, $1.b) }
    }

    func count(_ kind: PlantedPairKind) -> Int { rows.lazy.filter { $0.kind == kind }.count }

    func json(_ o: GaiaSourceOptions, fileName: String) -> JSONValue {
        .object([
            ("pairs_truth", .string(fileName)),
            ("binary_fraction", .double(o.binaryFraction)),
            ("lensed_fraction", .double(o.lensedFraction)),
            ("wide_binaries", .int(plan.binaries)),
            ("binary_star_rows", .int(2 * plan.binaries)),
            ("lensed_quasars", .int(plan.hosts)),
            ("lensed_images", .int(plan.images)),
            ("quasar_like_rows", .int(plan.baseCount + plan.images)),
            ("pairs", .int(rows.count)),
            ("pairs_wide_binary", .int(count(.wideBinary))),
            ("pairs_lensed_image", .int(count(.lensedImage))),
            ("model", .string(
                "Wide binaries (El-Badry, Rix & Heintz 2021, MNRAS 506, 2269): circular orbits of total mass 0.8-2.4 Msun with the "
                    + "companion in the sky plane; one true parallax (> 1.2 mas, parallax/error of the noisier star 8-40), each star "
                    + "with its own noise; theta log-uniform up to 206.265 * parallax arcsec (1 pc), from max(1 arcsec, the separation "
                    + "where each star's orbital motion is below its own pm error); true dpm <= 0.44428 sqrt(M/5) parallax^1.5 theta^-0.5 "
                    + "< their Delta mu_orbit; systemic motion = the injected field; in_qso_candidates false. Lensed images: 1-3 per "
                    + "quasar at 0.5-3 arcsec, the quasar's colour, 0-1.5 mag fainter, parallax 0, proper motion = the field, each "
                    + "with its own noise (quasar-like). Pairs truth: every pair of a system (lensed: quasar-image and image-image).")),
        ])
    }

    func writeECSV(_ path: String, seed: UInt64) throws {
        let t = PlainECSV(columns: [
            .init("source_id_a", "int64", description: "the smaller source_id"),
            .init("source_id_b", "int64"),
            .init("kind", "string", description: "wide_binary or lensed_image"),
            .init("sep", "float64", unit: "arcsec", description: "true angular separation (of the written positions)"),
            .init("quasar_source_id", "int64", description: "lensed_image: the lensed quasar; null for wide_binary"),
            .init("parallax", "float64", unit: "mas", description: "true parallax of the pair (0: lensed)"),
            .init("dpmra", "float64", unit: "mas / yr", description: "true orbital pmra(a) - pmra(b)"),
            .init("dpmdec", "float64", unit: "mas / yr", description: "true orbital pmdec(a) - pmdec(b)"),
        ], meta: [("table", "gaia_source planted pairs truth"), ("seed", String(seed))])
        try writeLines(path, header: t.header(), rows) { r, b in
            b.int(r.a); b.comma()
            b.int(r.b); b.comma()
            b.string(r.kind.rawValue); b.comma()
            b.float64(r.sep); b.comma()
            if let q = r.quasar { b.int(q) }
            b.comma()
            b.float64(r.parallax); b.comma()
            b.float64(r.dpm.0); b.comma()
            b.float64(r.dpm.1); b.newline()
        }
    }
}
