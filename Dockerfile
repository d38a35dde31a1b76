# One image for the gateway and both workers; docker-compose.yml picks the command.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run prisma:generate
ENV NODE_ENV=production
# Refuses the built-in development secrets (lib/config.ts): pass real ones in the environment.
ENV NERVE_ENV=production
CMD ["npx", "tsx", "gateway/main.ts"]
