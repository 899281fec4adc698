// Placeholder until the kernel lands.
public enum XPSearchPlaceholder {}
