// Placeholder until the plot module lands.
public enum PlotPlaceholder {}
