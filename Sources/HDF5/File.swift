public enum H5Placeholder {}
