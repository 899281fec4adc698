public enum MPIPlaceholder {}
