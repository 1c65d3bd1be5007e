"""Model families (VAE, GAN, GP) behind one interface, and their checkpoints."""
