"""All of Herald's I/O that workflows need: projection writes, channel resolution, delivery."""
