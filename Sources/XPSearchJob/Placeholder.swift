// Placeholder until the driver lands.
public enum XPSearchJobPlaceholder {}
