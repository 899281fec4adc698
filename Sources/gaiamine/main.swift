print("gaiamine")
