public enum IOPlaceholder {}
